/**
 * Who is in a document, from its awareness. The relay stamps each client's `user` field with its
 * authenticated identity (`name`, `display_name`, `username`, `initials`, `color`, `publicKey`,
 * `fingerprint`), the same fields JupyterLab's user model uses, so what is shown here is what the relay
 * vouched for. One entry per identity, however many tabs it has open.
 */
import type { Awareness } from 'y-protocols/awareness';

export interface Participant {
  readonly publicKey: string;
  readonly name: string;
  readonly fingerprint: string;
  readonly color: string;
  readonly initials: string;
  /** Awareness client ids of this identity's connections. */
  readonly clients: readonly number[];
  /** True for this browser's own identity. */
  readonly self: boolean;
}

interface StampedUser {
  publicKey?: unknown;
  name?: unknown;
  display_name?: unknown;
  fingerprint?: unknown;
  color?: unknown;
  initials?: unknown;
}

export function participantsOf(awareness: Awareness, selfPublicKey?: string): Participant[] {
  const byKey = new Map<string, Participant>();
  for (const [clientId, state] of awareness.getStates()) {
    const user = (state as { user?: StampedUser }).user;
    if (!user || typeof user.publicKey !== 'string') continue;
    const known = byKey.get(user.publicKey);
    if (known) {
      byKey.set(user.publicKey, { ...known, clients: [...known.clients, clientId] });
      continue;
    }
    const name = typeof user.display_name === 'string' ? user.display_name : String(user.name ?? 'unknown');
    byKey.set(user.publicKey, {
      publicKey: user.publicKey,
      name,
      fingerprint: typeof user.fingerprint === 'string' ? user.fingerprint : '',
      color: typeof user.color === 'string' ? user.color : '#888888',
      initials: typeof user.initials === 'string' ? user.initials : name.slice(0, 1).toUpperCase(),
      clients: [clientId],
      self: user.publicKey === selfPublicKey,
    });
  }
  return [...byKey.values()].sort((a, b) => Number(b.self) - Number(a.self) || a.name.localeCompare(b.name));
}
