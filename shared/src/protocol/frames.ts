/**
 * Binary frames on the WebSocket. The first varuint is the tag; y-websocket's tags are kept as they are so
 * that the sync and awareness payloads are exactly y-protocols'. Enclave's control messages use their own tag.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import {
  type FromClientMessage,
  type FromServerMessage,
  parseFromClient,
  parseFromServer,
  ProtocolViolation,
} from './messages.js';

export const MessageTag = {
  /** y-protocols sync (step 1, step 2, update). */
  Sync: 0,
  /** y-protocols awareness update. */
  Awareness: 1,
  /** y-protocols auth (permission denied); Enclave never sends it, stock clients understand it. */
  YAuth: 2,
  /** y-websocket's "query awareness". */
  QueryAwareness: 3,
  /** Enclave control message: JSON text (messages.ts). */
  Enclave: 16,
  /** Protocol 2, sealed spaces' document rooms: binary frames carrying sealed messages (sealed-frames.ts). */
  Sealed: 17,
} as const;

function encodeJsonFrame(message: unknown): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageTag.Enclave);
  encoding.writeVarString(encoder, JSON.stringify(message));
  return encoding.toUint8Array(encoder);
}

export const encodeServerMessage = (message: FromServerMessage): Uint8Array => encodeJsonFrame(message);
export const encodeClientMessage = (message: FromClientMessage): Uint8Array => encodeJsonFrame(message);

/** Reads the JSON of an Enclave frame whose tag has already been read. */
function readJson(decoder: decoding.Decoder): unknown {
  let text: string;
  try {
    text = decoding.readVarString(decoder);
  } catch {
    throw new ProtocolViolation('truncated control message');
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new ProtocolViolation('control message is not JSON');
  }
}

export const decodeClientMessage = (decoder: decoding.Decoder): FromClientMessage => parseFromClient(readJson(decoder));
export const decodeServerMessage = (decoder: decoding.Decoder): FromServerMessage => parseFromServer(readJson(decoder));

/** Reads a frame's tag, turning lib0's decoding errors into a ProtocolViolation. */
export function readTag(decoder: decoding.Decoder): number {
  try {
    return decoding.readVarUint(decoder);
  } catch {
    throw new ProtocolViolation('truncated frame');
  }
}
