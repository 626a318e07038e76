/**
 * Access-list vocabulary: roles, members and audit entries, as they cross the wire.
 */
import type { PublicKeyText } from '../identity/keys.js';

export const ROLES = ['lead', 'editor', 'viewer'] as const;
/** lead: manages access and edits; editor: reads and writes; viewer: reads only (the relay drops writes). */
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function canWrite(role: Role): boolean {
  return role === 'lead' || role === 'editor';
}

export interface Member {
  readonly publicKey: PublicKeyText;
  readonly name: string;
  readonly role: Role;
  readonly fingerprint: string;
  /** ISO 8601 time the member was added or last changed. */
  readonly since: string;
  /** Who granted it (public key), or null for the space's creator. */
  readonly grantedBy: PublicKeyText | null;
}

export const AUDIT_EVENTS = [
  'space-created',
  'joined',
  'left',
  'granted',
  'role-changed',
  'revoked',
  'refused',
  'document-created',
  'invite-created',
  'invite-used',
  'invite-revoked',
  'access-requested',
  'request-approved',
  'request-denied',
  'agreement-set',
  'agreement-signed',
  'keys-wrapped',
  'epoch-started',
  'listed',
  'unlisted',
] as const;
export type AuditEvent = (typeof AUDIT_EVENTS)[number];

export interface AuditEntry {
  /** Increasing per space; use as a cursor. */
  readonly seq: number;
  /** ISO 8601. */
  readonly time: string;
  readonly event: AuditEvent;
  /** Who did it (or tried to); null when unknown, e.g. a handshake that never named a key. */
  readonly actor: PublicKeyText | null;
  /**
   * The actor's display name when the entry was written (the access list's, or the name a requester gave),
   * else their name on today's access list; absent for strangers.
   */
  readonly actorName?: string;
  /** The actor key's fingerprint (added by the relay when listing). */
  readonly actorFingerprint?: string;
  /** Whom it concerned, for grants and revokes. */
  readonly subject?: PublicKeyText;
  readonly subjectName?: string;
  readonly subjectFingerprint?: string;
  readonly role?: Role;
  /** The room concerned, `space` or `space/doc`. */
  readonly room?: string;
  /** Why, for refusals; free text. */
  readonly reason?: string;
  /**
   * Refusals are counted, not listed one by one: how many refusals this entry stands for. `since` is the
   * first one's time and `time` the latest; the entry takes a new `seq` each time its count grows.
   */
  readonly count?: number;
  /** ISO 8601 of the first refusal counted in this entry. */
  readonly since?: string;
}

/** The identity the relay stamps into awareness and reports in `welcome`. */
export interface Participant {
  readonly publicKey: PublicKeyText;
  readonly name: string;
  readonly fingerprint: string;
  readonly color: string;
}
