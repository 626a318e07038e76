/**
 * Who is in a document, from its awareness. The relay stamps each client's `user` field with its
 * authenticated identity (`name`, `display_name`, `username`, `initials`, `color`, `publicKey`,
 * `fingerprint`), the same fields JupyterLab's user model uses, so what is shown here is what the relay
 * vouched for. One entry per identity, however many tabs it has open.
 */
import { readStampedUser } from '@enclave/shared';
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

export function participantsOf(awareness: Awareness, selfPublicKey?: string): Participant[] {
  const byKey = new Map<string, Participant>();
  for (const [clientId, state] of awareness.getStates()) {
    const user = readStampedUser(state);
    if (!user) continue;
    const known = byKey.get(user.publicKey);
    if (known) {
      byKey.set(user.publicKey, { ...known, clients: [...known.clients, clientId] });
      continue;
    }
    byKey.set(user.publicKey, {
      publicKey: user.publicKey,
      name: user.name,
      fingerprint: user.fingerprint,
      color: user.color,
      initials: user.initials,
      clients: [clientId],
      self: user.publicKey === selfPublicKey,
    });
  }
  return [...byKey.values()].sort((a, b) => Number(b.self) - Number(a.self) || a.name.localeCompare(b.name));
}
