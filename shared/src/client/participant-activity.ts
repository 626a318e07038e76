/**
 * Where the others are and what they run, read from a document's awareness: what both editors need to
 * follow a participant and to show who is running which cell. Identities are the relay's stamps; every
 * other field is untrusted and read through the guarded readers.
 */
import type * as Y from 'yjs';
import { readRunningCells, resolveCursors, type ResolvedCursor } from '../protocol/presence.js';
import { readStampedUser, type StampedUser } from '../protocol/stamped-user.js';

/** The part of y-protocols' Awareness read here. */
export interface AwarenessStates {
  readonly clientID: number;
  getStates(): Map<number, Record<string, unknown>>;
}

/** Where a followed participant is: present, and their first cursor if it resolves in this document. */
export interface ParticipantWhereabouts {
  readonly user: StampedUser;
  readonly cursor: ResolvedCursor | undefined;
}

/**
 * The participant with `publicKey` (the first of their connections that has a resolvable cursor, else
 * their first connection), or undefined when they are not in the document.
 */
export function whereIs(awareness: AwarenessStates, doc: Y.Doc, publicKey: string): ParticipantWhereabouts | undefined {
  let found: ParticipantWhereabouts | undefined;
  for (const [clientId, state] of awareness.getStates()) {
    if (clientId === awareness.clientID) continue;
    const user = readStampedUser(state);
    if (user?.publicKey !== publicKey) continue;
    const cursor = resolveCursors(state, doc)[0];
    if (cursor) return { user, cursor };
    found ??= { user, cursor: undefined };
  }
  return found;
}

/** Cell id -> the others running it (queued or executing), in awareness order; this client is left out. */
export function runnersByCell(awareness: AwarenessStates): Map<string, StampedUser[]> {
  const runners = new Map<string, StampedUser[]>();
  for (const [clientId, state] of awareness.getStates()) {
    if (clientId === awareness.clientID) continue;
    const user = readStampedUser(state);
    if (!user) continue;
    for (const id of new Set(readRunningCells(state))) runners.set(id, [...(runners.get(id) ?? []), user]);
  }
  return runners;
}

/** The label both editors show on a cell others run: "▶ Ada running", "▶ Ada, Bo running". */
export function runningLabel(users: readonly StampedUser[]): string {
  return `▶ ${users.map((user) => user.name).join(', ')} running`;
}
