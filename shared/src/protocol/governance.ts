/**
 * How leads bring people in and keep a record: invites, access requests and agreements, as they cross the
 * wire. The agreement signature's payload is defined here, once, for clients and relay.
 */
import type { PublicKeyText } from '../identity/keys.js';
import type { Role } from './access.js';

export type InviteStatus = 'open' | 'used' | 'expired' | 'revoked';

export interface InviteInfo {
  /** Short public id (not the secret token). */
  readonly id: string;
  readonly role: Role;
  /** ISO 8601. */
  readonly created: string;
  readonly expires: string;
  readonly createdBy: PublicKeyText;
  readonly status: InviteStatus;
  readonly usedBy?: PublicKeyText;
  readonly usedAt?: string;
  /** Sealed spaces: the redeemer's admission proof (sealed/invite-admission.ts), checked by the inviting lead. */
  readonly usedProof?: string;
}

export type AccessRequestStatus = 'pending' | 'approved' | 'denied';

/** Where an access request was sent from, when not by name: `directory` is a listing in the relay's directory. */
export type AccessRequestOrigin = 'directory';

export interface AccessRequestInfo {
  readonly id: string;
  readonly publicKey: PublicKeyText;
  /** The name the requester gave; shown to leads as a claim, not an identity. */
  readonly name: string;
  readonly fingerprint: string;
  readonly message: string;
  readonly created: string;
  readonly status: AccessRequestStatus;
  readonly resolvedBy?: PublicKeyText;
  readonly resolvedAt?: string;
  /** Set when the requester asked from the space's listing in the directory (and the space was listed). */
  readonly via?: AccessRequestOrigin;
}

export interface AgreementInfo {
  /** 1 for the first text of a space, +1 for each change. */
  readonly version: number;
  /** SHA-256 of the UTF-8 text, hex. */
  readonly hash: string;
  readonly text: string;
  readonly setBy: PublicKeyText;
  readonly set: string;
}

export interface AgreementSignatureInfo {
  readonly version: number;
  readonly hash: string;
  readonly publicKey: PublicKeyText;
  /** Ed25519 over `agreementPayload`, base64url. */
  readonly signature: string;
  readonly signed: string;
}

/** Events a lead's space channel receives as they happen. */
export type SpaceEvent =
  | { readonly kind: 'access-request'; readonly request: AccessRequestInfo }
  | { readonly kind: 'access-request-resolved'; readonly request: AccessRequestInfo };

/** Limits on free-text fields, enforced by the relay. */
export const MAX_AGREEMENT_BYTES = 64 * 1024;
export const MAX_REQUEST_MESSAGE = 1000;
export const MAX_INVITE_SECONDS = 30 * 24 * 3600;

/** The exact bytes a member signs to accept an agreement version. */
export function agreementPayload(space: string, version: number, hash: string): Uint8Array {
  return new TextEncoder().encode(['enclave-agreement', space, `v${version}`, hash].join('\n'));
}

export async function agreementHash(text: string, crypto: Crypto = globalThis.crypto): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Parses durations such as `90s`, `30m`, `24h`, `7d` into seconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+)\s*([smhd])$/.exec(text.trim());
  if (!match) throw new Error(`"${text}" is not a duration like 30m, 24h or 7d`);
  const unit = { s: 1, m: 60, h: 3600, d: 86400 }[match[2] as 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}
