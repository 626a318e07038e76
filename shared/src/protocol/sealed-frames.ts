/**
 * The frames of a sealed space's document room (protocol 2), in place of y-websocket's sync and awareness:
 * the relay keeps an ordered log of sealed messages (sealed/envelope.ts) it cannot read, stores each before
 * forwarding it, and replaces a prefix of the log by a client-made sealed snapshot only if it covers it.
 *
 *   tag 17, then a type, then its fields (lib0 varuint / varbytes):
 *   client -> relay  Append(1) envelope             a sealed update, appended to the log
 *                    Presence(2) envelope           sealed presence, forwarded, never stored
 *                    Snapshot(3) covers envelope    a sealed snapshot of everything up to log seq `covers`
 *                    Fetch(4) after                 the log after seq `after` (after a (re)connect)
 *   relay -> client  Log(10) head snapshotSeq [snapshot] count (seq envelope)*
 *                    Entry(11) seq envelope         a new entry (to its sender too under protocol 2: the ack)
 *                    PresenceOf(12) author envelope presence, with the author the relay authenticated
 *                    Rejected(13) reason message    a frame the relay refused (the connection stays open)
 *                    SnapshotStored(14) covers
 *                    Stored(15) count (seq messageSeq)*   protocol 3: the sender's appends stored, in the order
 *                                                   it sent them (log seq, and the header's seq): its ack
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { MessageTag } from './frames.js';
import { ProtocolViolation } from './messages.js';

export const SealedFrame = {
  Append: 1,
  Presence: 2,
  Snapshot: 3,
  Fetch: 4,
  Log: 10,
  Entry: 11,
  PresenceOf: 12,
  Rejected: 13,
  SnapshotStored: 14,
  Stored: 15,
} as const;

/** The protocol from which the relay acknowledges a sender's appends with Stored instead of echoing them. */
export const STORED_ACK_PROTOCOL = 3;

/** One of the sender's appends, stored: where in the log, and which of its messages (the header's seq). */
export interface StoredAppend {
  readonly seq: number;
  readonly messageSeq: number;
}

export interface LogEntry {
  readonly seq: number;
  readonly envelope: Uint8Array;
}

export type FromClientSealed =
  | { readonly type: 'append'; readonly envelope: Uint8Array }
  | { readonly type: 'presence'; readonly envelope: Uint8Array }
  | { readonly type: 'snapshot'; readonly covers: number; readonly envelope: Uint8Array }
  | { readonly type: 'fetch'; readonly after: number };

/** Why the relay refused a sealed frame. */
export type SealedRejection = 'stale-epoch' | 'read-only' | 'not-yours' | 'snapshot-refused' | 'wrong-document';

export type FromRelaySealed =
  | {
      readonly type: 'log';
      /** The last seq in the log. */
      readonly head: number;
      /** The sealed snapshot, when the fetch asked for entries it replaced. */
      readonly snapshot: LogEntry | null;
      readonly entries: readonly LogEntry[];
    }
  | { readonly type: 'entry'; readonly entry: LogEntry }
  | { readonly type: 'presence-of'; readonly author: string; readonly envelope: Uint8Array }
  | { readonly type: 'rejected'; readonly reason: SealedRejection; readonly message: string }
  | { readonly type: 'snapshot-stored'; readonly covers: number }
  /**
   * Protocol 3: appends of the receiving connection stored since the last Stored, in the order it sent them.
   * The relay may hold one back briefly to send it with the connection's next frame, and sends every one
   * held before it answers `flush`.
   */
  | { readonly type: 'stored'; readonly stored: readonly StoredAppend[] };

const REJECTIONS: readonly SealedRejection[] = [
  'stale-epoch',
  'read-only',
  'not-yours',
  'snapshot-refused',
  'wrong-document',
];

function start(type: number): encoding.Encoder {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageTag.Sealed);
  encoding.writeVarUint(encoder, type);
  return encoder;
}

export function encodeClientSealed(message: FromClientSealed): Uint8Array {
  switch (message.type) {
    case 'append':
    case 'presence': {
      const encoder = start(message.type === 'append' ? SealedFrame.Append : SealedFrame.Presence);
      encoding.writeVarUint8Array(encoder, message.envelope);
      return encoding.toUint8Array(encoder);
    }
    case 'snapshot': {
      const encoder = start(SealedFrame.Snapshot);
      encoding.writeVarUint(encoder, message.covers);
      encoding.writeVarUint8Array(encoder, message.envelope);
      return encoding.toUint8Array(encoder);
    }
    case 'fetch': {
      const encoder = start(SealedFrame.Fetch);
      encoding.writeVarUint(encoder, message.after);
      return encoding.toUint8Array(encoder);
    }
  }
}

/** Decodes a sealed frame from a client, its tag already read; ProtocolViolation on anything else. */
export function decodeClientSealed(decoder: decoding.Decoder): FromClientSealed {
  return guarded(() => {
    const type = decoding.readVarUint(decoder);
    let message: FromClientSealed;
    switch (type) {
      case SealedFrame.Append:
        message = { type: 'append', envelope: decoding.readVarUint8Array(decoder) };
        break;
      case SealedFrame.Presence:
        message = { type: 'presence', envelope: decoding.readVarUint8Array(decoder) };
        break;
      case SealedFrame.Snapshot:
        message = {
          type: 'snapshot',
          covers: decoding.readVarUint(decoder),
          envelope: decoding.readVarUint8Array(decoder),
        };
        break;
      case SealedFrame.Fetch:
        message = { type: 'fetch', after: decoding.readVarUint(decoder) };
        break;
      default:
        throw new ProtocolViolation(`unknown sealed frame ${type}`);
    }
    if (decoding.hasContent(decoder)) throw new ProtocolViolation('bytes after a sealed frame');
    return message;
  });
}

export function encodeRelaySealed(message: FromRelaySealed): Uint8Array {
  switch (message.type) {
    case 'log': {
      const encoder = start(SealedFrame.Log);
      encoding.writeVarUint(encoder, message.head);
      encoding.writeUint8(encoder, message.snapshot ? 1 : 0);
      if (message.snapshot) writeEntry(encoder, message.snapshot);
      encoding.writeVarUint(encoder, message.entries.length);
      for (const entry of message.entries) writeEntry(encoder, entry);
      return encoding.toUint8Array(encoder);
    }
    case 'entry':
      return encodeEntryFrame(message.entry);
    case 'presence-of': {
      const encoder = start(SealedFrame.PresenceOf);
      encoding.writeVarString(encoder, message.author);
      encoding.writeVarUint8Array(encoder, message.envelope);
      return encoding.toUint8Array(encoder);
    }
    case 'rejected': {
      const encoder = start(SealedFrame.Rejected);
      encoding.writeVarString(encoder, message.reason);
      encoding.writeVarString(encoder, message.message);
      return encoding.toUint8Array(encoder);
    }
    case 'snapshot-stored': {
      const encoder = start(SealedFrame.SnapshotStored);
      encoding.writeVarUint(encoder, message.covers);
      return encoding.toUint8Array(encoder);
    }
    case 'stored': {
      const encoder = start(SealedFrame.Stored);
      encoding.writeVarUint(encoder, message.stored.length);
      for (const { seq, messageSeq } of message.stored) {
        encoding.writeVarUint(encoder, seq);
        encoding.writeVarUint(encoder, messageSeq);
      }
      return encoding.toUint8Array(encoder);
    }
  }
}

/** Decodes a sealed frame from the relay, its tag already read; ProtocolViolation on anything else. */
export function decodeRelaySealed(decoder: decoding.Decoder): FromRelaySealed {
  return guarded(() => {
    const type = decoding.readVarUint(decoder);
    switch (type) {
      case SealedFrame.Log: {
        const head = decoding.readVarUint(decoder);
        const snapshot = decoding.readUint8(decoder) === 1 ? readEntry(decoder) : null;
        const entries: LogEntry[] = [];
        for (let n = decoding.readVarUint(decoder); n > 0; n--) entries.push(readEntry(decoder));
        return { type: 'log', head, snapshot, entries };
      }
      case SealedFrame.Entry:
        return { type: 'entry', entry: readEntry(decoder) };
      case SealedFrame.PresenceOf:
        return {
          type: 'presence-of',
          author: decoding.readVarString(decoder),
          envelope: decoding.readVarUint8Array(decoder),
        };
      case SealedFrame.Rejected: {
        const reason = decoding.readVarString(decoder) as SealedRejection;
        if (!REJECTIONS.includes(reason)) throw new ProtocolViolation(`unknown rejection ${reason}`);
        return { type: 'rejected', reason, message: decoding.readVarString(decoder) };
      }
      case SealedFrame.SnapshotStored:
        return { type: 'snapshot-stored', covers: decoding.readVarUint(decoder) };
      case SealedFrame.Stored: {
        const stored: StoredAppend[] = [];
        for (let n = decoding.readVarUint(decoder); n > 0; n--) {
          stored.push({ seq: decoding.readVarUint(decoder), messageSeq: decoding.readVarUint(decoder) });
        }
        return { type: 'stored', stored };
      }
      default:
        throw new ProtocolViolation(`unknown sealed frame ${type}`);
    }
  });
}

/**
 * An Entry frame, written straight into one buffer of its exact size: the relay makes one per append, for
 * all of the document's peers, and an encoder's chunks would copy the envelope twice more.
 */
export function encodeEntryFrame(entry: LogEntry): Uint8Array {
  const { seq, envelope } = entry;
  const frame = new Uint8Array(2 + varUintLength(seq) + varUintLength(envelope.length) + envelope.length);
  frame[0] = MessageTag.Sealed;
  frame[1] = SealedFrame.Entry;
  let at = writeVarUintAt(frame, 2, seq);
  at = writeVarUintAt(frame, at, envelope.length);
  frame.set(envelope, at);
  return frame;
}

/** lib0's varuint: 7 bits a byte, low bits first. */
function varUintLength(n: number): number {
  let length = 1;
  while (n > 0x7f) {
    n = Math.floor(n / 0x80);
    length++;
  }
  return length;
}

function writeVarUintAt(out: Uint8Array, at: number, n: number): number {
  while (n > 0x7f) {
    out[at++] = 0x80 | (n & 0x7f);
    n = Math.floor(n / 0x80);
  }
  out[at++] = n;
  return at;
}

function writeEntry(encoder: encoding.Encoder, entry: LogEntry): void {
  encoding.writeVarUint(encoder, entry.seq);
  encoding.writeVarUint8Array(encoder, entry.envelope);
}

function readEntry(decoder: decoding.Decoder): LogEntry {
  return { seq: decoding.readVarUint(decoder), envelope: decoding.readVarUint8Array(decoder) };
}

/** lib0 throws plain Errors on truncated input: a truncated frame is a protocol violation like any other. */
function guarded<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof ProtocolViolation) throw error;
    throw new ProtocolViolation('truncated sealed frame');
  }
}
