/** Who is in a document, from its awareness: the identity the relay stamped on each connection. */
import type { Awareness } from 'y-protocols/awareness';
import { type ResolvedCursor, resolveCursors } from '@enclave/shared';

export interface Presence {
  readonly clientId: number;
  readonly name: string;
  readonly color: string;
  readonly fingerprint: string;
  readonly publicKey: string;
  /** Where this participant's cursors are (in the shared format JupyterLab also uses), resolved. */
  readonly cursors: readonly ResolvedCursor[];
}

interface StampedUser {
  name?: unknown;
  display_name?: unknown;
  color?: unknown;
  fingerprint?: unknown;
  publicKey?: unknown;
}

export function participantsOf(awareness: Awareness): Presence[] {
  const result: Presence[] = [];
  for (const [clientId, state] of awareness.getStates()) {
    const user = (state as { user?: StampedUser }).user;
    if (!user || typeof user.publicKey !== 'string') continue;
    result.push({
      clientId,
      name: typeof user.display_name === 'string' ? user.display_name : String(user.name ?? 'someone'),
      color: typeof user.color === 'string' ? user.color : '#888888',
      fingerprint: typeof user.fingerprint === 'string' ? user.fingerprint : '',
      publicKey: user.publicKey,
      cursors: resolveCursors(state, awareness.doc),
    });
  }
  return result;
}
