/**
 * The relay's directory: leads list and unlist their spaces (signed, audited), relay admins may switch the
 * directory off or take a listing down, members choose whether visitors' hints may show them, and anyone
 * with a key reads the listings, rate-limited. Nothing here reads documents, and a visitor's entry carries
 * exactly DirectoryEntry's fields.
 */
import {
  type DirectoryEntry,
  LISTING_CLOCK_SKEW_MS,
  listingTextProblem,
  type PublicKeyText,
  type Request,
  type SignedListing,
  verifySignedListing,
} from '@enclave/shared';
import type { AccessService } from '../access/access-service.js';
import { RequestFailure } from '../control/request-failure.js';
import type { Storage } from '../storage/storage.js';
import { acquaintancesOf, hintedMembers } from './membership-hints.js';
import type { DirectoryReadLimits } from './read-limits.js';

export interface DirectoryContext {
  readonly storage: Storage;
  readonly access: AccessService;
  readonly relayId: PublicKeyText;
  /** False when the relay's admin switched the directory off: nothing is listed or shown. */
  readonly enabled: boolean;
  readonly readLimits: DirectoryReadLimits;
  readonly now?: () => Date;
}

export const DIRECTORY_OFF = "this relay's directory is switched off";

export class DirectoryService {
  constructor(private readonly context: DirectoryContext) {}

  get enabled(): boolean {
    return this.context.enabled;
  }

  /** Whether a space is shown in the directory now (what an access request's `via` may claim). */
  async isListed(space: string): Promise<boolean> {
    return this.enabled && (await this.context.storage.getListing(space)) !== undefined;
  }

  /** Lists the space (or replaces its listing) with a listing the lead signed for this relay. */
  async list(
    space: string,
    actor: PublicKeyText,
    request: Extract<Request, { op: 'listing.set' }>,
  ): Promise<SignedListing> {
    if (!this.enabled) throw new RequestFailure('forbidden', DIRECTORY_OFF);
    const { access, storage, relayId } = this.context;
    await access.requireLead(space, actor);
    const problem = listingTextProblem(request);
    if (problem) throw new RequestFailure('bad-request', problem);
    const listedAt = Date.parse(request.listedAt);
    if (!Number.isFinite(listedAt) || new Date(listedAt).toISOString() !== request.listedAt) {
      throw new RequestFailure('bad-request', '"listedAt" is not an ISO 8601 time');
    }
    if (Math.abs(listedAt - this.now().getTime()) > LISTING_CLOCK_SKEW_MS) {
      throw new RequestFailure('bad-request', "the listing's time is more than 10 minutes from the relay's clock");
    }
    const { op: _op, ...text } = request;
    const listing: SignedListing = { ...text, space, listedBy: actor };
    if (!(await verifySignedListing(listing, relayId)).verified) {
      throw new RequestFailure('bad-request', 'the listing is not signed by your key for this relay and space');
    }
    await storage.putListing(listing);
    const shown = listing.showAgreement ? '; agreement shown' : '';
    await access.audit(space, { event: 'listed', actor, reason: `listed as "${listing.title}"${shown}` });
    return listing;
  }

  /** Takes the listing down at once: the space's leads, or a relay admin (who need not be a member). */
  async unlist(space: string, actor: PublicKeyText): Promise<boolean> {
    const { access, storage } = this.context;
    const admin = access.isAdmin(actor);
    if (!admin) await access.requireLead(space, actor);
    const removed = await storage.removeListing(space);
    if (removed) {
      const lead = (await storage.getMember(space, actor))?.role === 'lead';
      await access.audit(space, {
        event: 'unlisted',
        actor,
        ...(lead ? {} : { reason: 'taken down by a relay admin' }),
      });
    }
    return removed;
  }

  async listing(space: string, actor: PublicKeyText): Promise<SignedListing | null> {
    await this.context.access.requireMember(space, actor);
    return (await this.context.storage.getListing(space)) ?? null;
  }

  /** A member's choice whether visitors of this space's listing may be told they belong to it. */
  async hideFromHints(space: string, actor: PublicKeyText, hidden: boolean): Promise<boolean> {
    await this.context.access.requireMember(space, actor);
    await this.context.storage.setHiddenFromHints(space, actor, hidden);
    return hidden;
  }

  /** The directory as `visitor` sees it; rate-limited per key and address. */
  async read(visitor: PublicKeyText, address: string): Promise<DirectoryEntry[]> {
    const { storage, access, readLimits } = this.context;
    if (!this.enabled) throw new RequestFailure('forbidden', DIRECTORY_OFF);
    if (!readLimits.take(visitor, address)) {
      throw new RequestFailure(
        'rate-limited',
        `too many directory reads; try again in ${readLimits.retryAfterSeconds} s`,
      );
    }
    const acquaintances = await acquaintancesOf(storage, visitor);
    const person = async (publicKey: PublicKeyText, name: string): Promise<{ name: string; fingerprint: string }> => {
      const { fingerprint } = await access.participant(publicKey, name);
      return { name, fingerprint };
    };
    const entries: DirectoryEntry[] = [];
    for (const listing of await storage.listListings()) {
      const members = await storage.listMembers(listing.space);
      const leads = members.filter((m) => m.role === 'lead');
      const signer = leads.find((m) => m.publicKey === listing.listedBy);
      // A listing whose lead left or stepped down is no longer theirs to vouch for: not shown.
      if (!signer) continue;
      const hidden = new Set<string>(await storage.listHiddenFromHints(listing.space));
      const agreement = listing.showAgreement ? await storage.getAgreement(listing.space) : undefined;
      entries.push({
        space: listing.space,
        title: listing.title,
        description: listing.description,
        expectations: listing.expectations,
        showAgreement: listing.showAgreement,
        listedAt: listing.listedAt,
        listedBy: { publicKey: signer.publicKey, ...(await person(signer.publicKey, signer.name)) },
        signature: listing.signature,
        leads: await Promise.all(leads.map((m) => person(m.publicKey, m.name))),
        memberCount: members.length,
        ...(agreement ? { agreement: { version: agreement.version, hash: agreement.hash, text: agreement.text } } : {}),
        knownMembers: await Promise.all(
          hintedMembers(listing.space, members, hidden, acquaintances).map((m) => person(m.publicKey, m.name)),
        ),
      });
    }
    return entries;
  }

  private now(): Date {
    return this.context.now?.() ?? new Date();
  }
}
