/**
 * What every client does with the directory: sign a listing as a lead, read the directory as a visitor, and
 * check each entry before showing it. The relay relays listings but cannot sign them, so a client trusts an
 * entry's text only once the lead's signature over it verifies for this relay; the lead's fingerprint is
 * then what a visitor compares with one they learned elsewhere (a paper, a talk, a colleague).
 */
import { fromBase64Url, toBase64Url } from '../encoding/base64url.js';
import { fingerprint } from '../identity/fingerprint.js';
import { defaultCrypto, type Identity, importSigningKey, sign, verify } from '../identity/keys.js';
import {
  type DirectoryEntry,
  listingPayload,
  type ListingText,
  listingTextProblem,
  type SignedListing,
} from '../protocol/directory.js';
import { agreementHash } from '../protocol/governance.js';
import type { Request } from '../protocol/messages.js';
import type { EnclaveConnection } from './enclave-connection.js';

/** The `listing.set` request for `text`, signed by `identity` for the relay `relayId`. */
export async function signListing(
  identity: Identity,
  relayId: string,
  space: string,
  text: ListingText,
  now: Date = new Date(),
  crypto: Crypto = defaultCrypto(),
): Promise<Extract<Request, { op: 'listing.set' }>> {
  const problem = listingTextProblem(text);
  if (problem) throw new Error(problem);
  const listedAt = now.toISOString();
  const payload = listingPayload(relayId, { ...text, space, listedBy: identity.publicKey, listedAt });
  const signature = toBase64Url(await sign(await importSigningKey(identity, crypto), payload, crypto));
  return {
    op: 'listing.set',
    title: text.title,
    description: text.description,
    expectations: text.expectations,
    showAgreement: text.showAgreement,
    listedAt,
    signature,
  };
}

export type ListingCheck = { readonly verified: true } | { readonly verified: false; readonly problem: string };

/** Whether a signed listing is its lead's, unaltered, for this relay. */
export async function verifySignedListing(
  listing: SignedListing,
  relayId: string,
  crypto: Crypto = defaultCrypto(),
): Promise<ListingCheck> {
  let signature: Uint8Array;
  try {
    signature = fromBase64Url(listing.signature);
  } catch {
    return { verified: false, problem: 'its signature is not base64url' };
  }
  const valid = await verify(listing.listedBy, signature, listingPayload(relayId, listing), crypto);
  return valid
    ? { verified: true }
    : { verified: false, problem: `it does not match its signature by ${listing.listedBy} (altered or forged)` };
}

/**
 * Checks a directory entry as a visitor sees it: the signature over its text, the fingerprint shown for the
 * signing lead, that the signer is among the leads listed, and the shown agreement's hash.
 */
export async function verifyDirectoryEntry(
  entry: DirectoryEntry,
  relayId: string,
  crypto: Crypto = defaultCrypto(),
): Promise<ListingCheck> {
  const signed = await verifySignedListing(
    {
      space: entry.space,
      title: entry.title,
      description: entry.description,
      expectations: entry.expectations,
      showAgreement: entry.showAgreement,
      listedBy: entry.listedBy.publicKey,
      listedAt: entry.listedAt,
      signature: entry.signature,
    },
    relayId,
    crypto,
  );
  if (!signed.verified) return signed;
  let expected: string;
  try {
    expected = await fingerprint(entry.listedBy.publicKey, crypto);
  } catch {
    return { verified: false, problem: 'the signing key is not an Ed25519 key' };
  }
  if (expected !== entry.listedBy.fingerprint) {
    return { verified: false, problem: `the fingerprint shown for its lead is not their key's (${expected})` };
  }
  if (!entry.leads.some((lead) => lead.fingerprint === expected)) {
    return { verified: false, problem: 'the lead who signed it is not a lead of the space' };
  }
  if (entry.agreement && (await agreementHash(entry.agreement.text, crypto)) !== entry.agreement.hash) {
    return { verified: false, problem: 'the agreement shown does not match its hash' };
  }
  return { verified: true };
}

export interface CheckedEntry {
  readonly entry: DirectoryEntry;
  readonly check: ListingCheck;
}

/** Reads the directory over a connection to DIRECTORY_ROOM, each entry checked. */
export async function readDirectory(connection: EnclaveConnection): Promise<CheckedEntry[]> {
  await connection.whenWelcomed();
  const relayId = connection.relayId;
  if (!relayId) throw new Error('the relay did not say who it is');
  const { listings } = await connection.request({ op: 'directory.list' });
  const crypto = connection.options.crypto ?? defaultCrypto();
  return Promise.all(
    listings.map(async (entry) => ({ entry, check: await verifyDirectoryEntry(entry, relayId, crypto) })),
  );
}

/** "Dr. Lead (ab12-cd34-ef56-7890)": how a directory shows a person. */
export function personText(person: { readonly name: string; readonly fingerprint: string }): string {
  return `${person.name} (${person.fingerprint})`;
}

/** One line on an entry's trust: who signed it, or why it must not be trusted. */
export function listingTrustText({ entry, check }: CheckedEntry): string {
  return check.verified
    ? `signed by ${personText(entry.listedBy)}`
    : `NOT VERIFIED: the listing of ${entry.space} cannot be trusted: ${check.problem}`;
}
