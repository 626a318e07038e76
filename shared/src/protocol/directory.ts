/**
 * A relay's directory of spaces whose leads chose to list them: the listing a lead signs, what a visitor
 * reads, and the one canonical encoding the signature covers. Defined once, for the relay (which checks a
 * listing before storing it) and for every client (which checks it again before showing it).
 */
import type { PublicKeyText } from '../identity/keys.js';
import type { RoomAddress } from './rooms.js';

/**
 * The directory's channel: `ws://HOST/~directory`. `~` cannot start a space name (rooms.ts), so no space
 * can ever be this room, and its handshake signature is useless at any space.
 */
export const DIRECTORY_SPACE = '~directory';
export const DIRECTORY_ROOM: RoomAddress = { space: DIRECTORY_SPACE };

export function isDirectoryRoom(room: RoomAddress): boolean {
  return room.space === DIRECTORY_SPACE && room.document === undefined;
}

/** Limits on a listing's free text, in characters, enforced by the relay and checked by clients. */
export const LISTING_LIMITS = { title: 120, description: 4000, expectations: 4000 } as const;

/** How far a listing's `listedAt` may be from the relay's clock when it is stored (ms). */
export const LISTING_CLOCK_SKEW_MS = 10 * 60_000;

/** What a lead writes about a space when listing it. */
export interface ListingText {
  readonly title: string;
  /** The research area, free text. */
  readonly description: string;
  /** What the group expects of members, free text. */
  readonly expectations: string;
  /** Whether visitors see the space's agreement text (its current version, whenever they look). */
  readonly showAgreement: boolean;
}

/** A listing as the lead signs it: the text, the space, who listed it and when. */
export interface SignedListing extends ListingText {
  readonly space: string;
  /** The lead who listed it; the signature is theirs. */
  readonly listedBy: PublicKeyText;
  /** ISO 8601, chosen by the lead's client and covered by the signature. */
  readonly listedAt: string;
  /** Ed25519 over `listingPayload(relayId, listing)`, base64url. */
  readonly signature: string;
}

/** A person as the directory shows them: the name the relay knows and their key's fingerprint. */
export interface DirectoryPerson {
  readonly name: string;
  readonly fingerprint: string;
}

/**
 * One entry of `directory.list`: exactly these fields, nothing else from inside the space (no documents,
 * no member list, no audit). `knownMembers` is the visitor's own view (see SECURITY.md, "The directory").
 */
export interface DirectoryEntry {
  readonly space: string;
  readonly title: string;
  readonly description: string;
  readonly expectations: string;
  readonly showAgreement: boolean;
  readonly listedAt: string;
  /** The listing lead: key (to check the signature), name on the access list, fingerprint. */
  readonly listedBy: DirectoryPerson & { readonly publicKey: PublicKeyText };
  readonly signature: string;
  /** Every lead of the space today. */
  readonly leads: readonly DirectoryPerson[];
  readonly memberCount: number;
  /** The space's current agreement, only when the listing shows it and the space has one. */
  readonly agreement?: { readonly version: number; readonly hash: string; readonly text: string };
  /**
   * Members of this space who share another space on this relay with the visitor, named as that shared
   * space's access list names them; members who chose to be hidden are left out.
   */
  readonly knownMembers: readonly DirectoryPerson[];
}

/**
 * The exact bytes a lead signs to list a space: a JSON array in a fixed order (JSON's string escaping makes
 * it unambiguous whatever the free text holds). The relay's id is included so that a listing cannot be
 * replayed onto another relay.
 */
export function listingPayload(relayId: string, listing: Omit<SignedListing, 'signature'>): Uint8Array {
  return new TextEncoder().encode(
    JSON.stringify([
      'enclave-listing',
      1,
      relayId,
      listing.space,
      listing.title,
      listing.description,
      listing.expectations,
      listing.showAgreement,
      listing.listedBy,
      listing.listedAt,
    ]),
  );
}

/** Why a listing's text cannot be listed, or undefined when it can. */
export function listingTextProblem(text: ListingText): string | undefined {
  if (text.title.trim() === '') return 'a listing needs a title';
  for (const field of ['title', 'description', 'expectations'] as const) {
    if (text[field].length > LISTING_LIMITS[field]) {
      return `a listing's ${field} is at most ${LISTING_LIMITS[field]} characters`;
    }
  }
  return undefined;
}
