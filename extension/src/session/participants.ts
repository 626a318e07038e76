/** Who is in a document, from its awareness: the identity the relay stamped on each connection. */
import type { Awareness } from 'y-protocols/awareness';

export interface Presence {
  readonly clientId: number;
  readonly name: string;
  readonly color: string;
  readonly fingerprint: string;
  readonly publicKey: string;
  /** Where this participant's cursor is, if they publish one (see presence-tracker.ts). */
  readonly cursor: CursorState | undefined;
}

export interface CursorState {
  /** The shared cell's id for notebooks; absent for drafts. */
  readonly cell?: string;
  readonly anchor: number;
  readonly head: number;
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
    const cursor = (state as { cursor?: CursorState }).cursor;
    result.push({
      clientId,
      name: typeof user.display_name === 'string' ? user.display_name : String(user.name ?? 'someone'),
      color: typeof user.color === 'string' ? user.color : '#888888',
      fingerprint: typeof user.fingerprint === 'string' ? user.fingerprint : '',
      publicKey: user.publicKey,
      cursor: cursor && typeof cursor.anchor === 'number' && typeof cursor.head === 'number' ? cursor : undefined,
    });
  }
  return result;
}
