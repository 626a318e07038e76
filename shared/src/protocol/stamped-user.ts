/**
 * The `user` field the relay stamps into each client's awareness state: the identity it authenticated, in
 * the fields JupyterLab's user model renders (`name`, `display_name`, `username`, `initials`, `color`) plus
 * the key. The relay writes it (stampedUser); every editor reads it back (readStampedUser).
 */
import { initialsOf } from '../identity/fingerprint.js';
import type { Participant } from './access.js';

/** The awareness field holding the stamped identity. */
export const USER_FIELD = 'user';

export interface StampedUser {
  readonly name: string;
  readonly display_name: string;
  /** The key's fingerprint (JupyterLab shows `username` in places). */
  readonly username: string;
  readonly initials: string;
  readonly color: string;
  readonly publicKey: string;
  readonly fingerprint: string;
}

/** The stamp for an authenticated participant. */
export function stampedUser(participant: Participant): StampedUser {
  return {
    name: participant.name,
    display_name: participant.name,
    username: participant.fingerprint,
    initials: initialsOf(participant.name),
    color: participant.color,
    publicKey: participant.publicKey,
    fingerprint: participant.fingerprint,
  };
}

const FALLBACK_COLOR = '#888888';

/**
 * The stamped user of one awareness state, or undefined when it has none (no public key: not stamped by
 * the relay). Awareness arrives from the network, so each field is checked and a missing one gets a default.
 */
export function readStampedUser(state: unknown): StampedUser | undefined {
  if (!state || typeof state !== 'object') return undefined;
  const user: unknown = (state as Record<string, unknown>)[USER_FIELD];
  if (!user || typeof user !== 'object') return undefined;
  const fields = user as Record<string, unknown>;
  if (typeof fields['publicKey'] !== 'string') return undefined;
  const text = (key: string): string | undefined => {
    const value = fields[key];
    return typeof value === 'string' ? value : undefined;
  };
  const name = text('display_name') ?? text('name') ?? 'someone';
  const fingerprint = text('fingerprint') ?? '';
  return {
    name,
    display_name: name,
    username: text('username') ?? fingerprint,
    initials: text('initials') ?? initialsOf(name),
    color: text('color') ?? FALLBACK_COLOR,
    publicKey: fields['publicKey'],
    fingerprint,
  };
}
