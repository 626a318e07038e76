/**
 * Rewrites a client's awareness update so that each state's `user` field is the identity the relay
 * authenticated, whatever the client claimed, and so that a client cannot speak for another client's
 * awareness id. The `user` fields are those JupyterLab's and the VS Code extension's cursors render.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import type { StampedUser } from '@enclave/shared';
import { ProtocolViolation } from '@enclave/shared';

// The stamp's shape is defined once in shared (the editors read it back); re-exported for the connection code.
export { type StampedUser, stampedUser } from '@enclave/shared';

/**
 * @param mayUse decides whether this connection may set the state of an awareness client id
 * @returns the rewritten update, or undefined when no entry was left
 * @throws on a malformed update (the caller closes the connection)
 */
export function stampAwarenessUpdate(
  update: Uint8Array,
  user: StampedUser,
  mayUse: (clientId: number) => boolean,
): Uint8Array | undefined {
  try {
    return stamp(update, user, mayUse);
  } catch (error) {
    // Whatever the decoders throw (truncation, bad UTF-8, bad JSON) is the sender's malformed frame.
    if (error instanceof ProtocolViolation) throw error;
    throw new ProtocolViolation('malformed awareness update');
  }
}

function stamp(update: Uint8Array, user: StampedUser, mayUse: (clientId: number) => boolean): Uint8Array | undefined {
  const decoder = decoding.createDecoder(update);
  const encoder = encoding.createEncoder();
  const count = decoding.readVarUint(decoder);
  if (count > 64) throw new ProtocolViolation('too many awareness entries');
  const entries: [number, number, string][] = [];
  for (let i = 0; i < count; i++) {
    const clientId = decoding.readVarUint(decoder);
    const clock = decoding.readVarUint(decoder);
    const json = decoding.readVarString(decoder);
    if (!mayUse(clientId)) continue;
    const state: unknown = JSON.parse(json);
    if (state !== null && (typeof state !== 'object' || Array.isArray(state)))
      throw new ProtocolViolation('awareness state is not an object');
    entries.push([clientId, clock, state === null ? 'null' : JSON.stringify({ ...(state as object), user })]);
  }
  if (entries.length === 0) return undefined;
  encoding.writeVarUint(encoder, entries.length);
  for (const [clientId, clock, json] of entries) {
    encoding.writeVarUint(encoder, clientId);
    encoding.writeVarUint(encoder, clock);
    encoding.writeVarString(encoder, json);
  }
  return encoding.toUint8Array(encoder);
}
