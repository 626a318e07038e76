/** Who is in a document, from its awareness: the identity the relay stamped on each connection. */
import type { Awareness } from 'y-protocols/awareness';
import { readStampedUser, type ResolvedCursor, resolveCursors } from '@enclave/shared';

export interface Presence {
  readonly clientId: number;
  readonly name: string;
  readonly color: string;
  readonly fingerprint: string;
  readonly publicKey: string;
  /** Where this participant's cursors are (in the shared format JupyterLab also uses), resolved. */
  readonly cursors: readonly ResolvedCursor[];
}

export function participantsOf(awareness: Awareness): Presence[] {
  const result: Presence[] = [];
  for (const [clientId, state] of awareness.getStates()) {
    const user = readStampedUser(state);
    if (!user) continue;
    result.push({
      clientId,
      name: user.name,
      color: user.color,
      fingerprint: user.fingerprint,
      publicKey: user.publicKey,
      cursors: resolveCursors(state, awareness.doc),
    });
  }
  return result;
}
