/**
 * What relays say to each other on Redis, and how a receiver knows a relay said it.
 *
 * Every message is authenticated with an HMAC-SHA256 (node:crypto) under a key derived from the relay key
 * that the relays of one service share (relay-identity.ts): whoever can reach Redis but does not hold that
 * key can neither inject nor alter a message, and a message replayed on another channel does not verify
 * (the channel is part of what is authenticated). A replay on its own channel repeats what a relay already
 * said: a Yjs update is idempotent, and the repeated counter only makes the receiver read storage.
 *
 * Layout: tag (16 bytes) | source (varString `instance.join`) | counter | kind | payload. The source comes
 * right after the tag so that a relay can drop its own messages, which Redis echoes back to it, by comparing
 * bytes at a fixed offset, before it verifies or decodes anything.
 */
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import type { StoredUpdate } from './fan-out.js';

/** 128 bits of an HMAC-SHA256: forging one takes 2^128 tries on average. */
const TAG_LENGTH = 16;
const KEY_INFO = 'enclave relay fan-out messages v1';
/** Between the channel and the message: a channel name never contains NUL, so they cannot be re-split. */
const SEPARATOR = Buffer.of(0);

/** What a message on a document's channel carries. */
export enum FanOutKind {
  /** A single update stored under `seq` (kept readable; relays now publish `StoredBatch`). */
  Stored = 0,
  Compacted = 1,
  Presence = 2,
  /** "What I published may not have arrived": the receivers catch up. */
  Resync = 3,
  /** "I just loaded this document": the receivers publish their peers' presence. */
  PresenceQuery = 4,
  /** The updates one storage call stored, with their seqs, in order. */
  StoredBatch = 5,
}

/** The key that authenticates fan-out messages, derived from the relays' shared secret key (text). */
export function fanOutKey(relaySecretKey: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(relaySecretKey), Buffer.alloc(0), KEY_INFO, 32));
}

/** `channel` as its UTF-8 bytes is cheaper: relays pass what Redis gave them, or a copy kept per channel. */
function tagOf(key: Buffer, channel: string | Uint8Array, body: Uint8Array): Buffer {
  return createHmac('sha256', key).update(channel).update(SEPARATOR).update(body).digest().subarray(0, TAG_LENGTH);
}

/** `body` with its tag in front, for `channel`. */
export function sealFanOutMessage(key: Buffer, channel: string | Uint8Array, body: Uint8Array): Buffer {
  return Buffer.concat([tagOf(key, channel, body), body]);
}

/** The body of `message` if it was sealed under `key` for `channel`, else undefined. */
export function openFanOutMessage(key: Buffer, channel: string | Uint8Array, message: Buffer): Buffer | undefined {
  if (message.length < TAG_LENGTH) return undefined;
  const body = message.subarray(TAG_LENGTH);
  return timingSafeEqual(tagOf(key, channel, body), message.subarray(0, TAG_LENGTH)) ? body : undefined;
}

/** The bytes a sealed message from a source starting with `prefix` (ASCII, < 128 bytes) begins with after its tag. */
export function sourcePrefix(prefix: string): Buffer {
  return Buffer.from(prefix, 'latin1');
}

/** Whether sealed `message` comes from a source that starts with `prefix` (see sourcePrefix): no decoding. */
export function isFromSource(message: Buffer, prefix: Buffer): boolean {
  const start = TAG_LENGTH + 1; // after the tag and the source's one-byte length
  return (
    message.length >= start + prefix.length &&
    message[TAG_LENGTH]! < 128 &&
    message.compare(prefix, 0, prefix.length, start, start + prefix.length) === 0
  );
}

export interface DocumentMessage {
  readonly source: string;
  readonly counter: number;
  readonly kind: FanOutKind;
  /** Stored / StoredBatch: the updates with their seqs. */
  readonly updates: readonly StoredUpdate[];
  /** Compacted: the seq the snapshot covers. */
  readonly seq: number;
  /** Compacted / Presence: the bytes. */
  readonly bytes: Uint8Array;
}

const NOTHING = new Uint8Array();

/** The body of a message on a document's channel (seal it with sealFanOutMessage). */
export function encodeDocumentMessage(
  source: string,
  counter: number,
  kind: FanOutKind,
  payload: { seq?: number; bytes?: Uint8Array; updates?: readonly StoredUpdate[] } = {},
): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarString(encoder, source);
  encoding.writeVarUint(encoder, counter);
  encoding.writeVarUint(encoder, kind);
  if (kind === FanOutKind.StoredBatch) {
    const updates = payload.updates ?? [];
    encoding.writeVarUint(encoder, updates.length);
    for (const update of updates) {
      encoding.writeVarUint(encoder, update.seq);
      encoding.writeVarUint8Array(encoder, update.bytes);
    }
  } else {
    encoding.writeVarUint(encoder, payload.seq ?? 0);
    encoding.writeVarUint8Array(encoder, payload.bytes ?? NOTHING);
  }
  return encoding.toUint8Array(encoder);
}

/** Decodes a verified body; throws on bytes that do not decode. */
export function decodeDocumentMessage(body: Uint8Array): DocumentMessage {
  const decoder = decoding.createDecoder(body);
  const source = decoding.readVarString(decoder);
  const counter = decoding.readVarUint(decoder);
  const kind = decoding.readVarUint(decoder) as FanOutKind;
  if (kind === FanOutKind.StoredBatch) {
    const updates: StoredUpdate[] = [];
    for (let n = decoding.readVarUint(decoder); n > 0; n--) {
      const seq = decoding.readVarUint(decoder);
      updates.push({ seq, bytes: decoding.readVarUint8Array(decoder) });
    }
    return { source, counter, kind, updates, seq: 0, bytes: NOTHING };
  }
  const seq = decoding.readVarUint(decoder);
  const bytes = decoding.readVarUint8Array(decoder);
  const updates = kind === FanOutKind.Stored ? [{ seq, bytes }] : [];
  return { source, counter, kind, updates, seq, bytes };
}
