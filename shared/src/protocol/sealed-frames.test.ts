import assert from 'node:assert/strict';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { MessageTag, readTag } from './frames.js';
import { decodeRelaySealed, encodeEntryFrame, encodeRelaySealed, SealedFrame } from './sealed-frames.js';

function decode(frame: Uint8Array) {
  const decoder = decoding.createDecoder(frame);
  assert.equal(readTag(decoder), MessageTag.Sealed);
  return decodeRelaySealed(decoder);
}

describe('sealed frames', () => {
  it('writes an Entry in one buffer exactly as lib0 would, for any seq and envelope length', () => {
    for (const seq of [0, 1, 127, 128, 16_383, 16_384, 2 ** 31, 2 ** 40 + 5]) {
      for (const length of [0, 1, 127, 128, 70_000]) {
        const envelope = Uint8Array.from({ length }, (_, i) => (i * 7 + seq) & 0xff);
        const encoder = encoding.createEncoder();
        encoding.writeVarUint(encoder, MessageTag.Sealed);
        encoding.writeVarUint(encoder, SealedFrame.Entry);
        encoding.writeVarUint(encoder, seq);
        encoding.writeVarUint8Array(encoder, envelope);
        const frame = encodeEntryFrame({ seq, envelope });
        assert.deepEqual(frame, encoding.toUint8Array(encoder), `seq ${seq}, ${length} bytes`);
        assert.deepEqual(decode(frame), { type: 'entry', entry: { seq, envelope } });
      }
    }
  });

  it('round-trips Stored, and a truncated one is a protocol violation', () => {
    const stored = [
      { seq: 5, messageSeq: 1 },
      { seq: 300, messageSeq: 2 },
    ];
    const frame = encodeRelaySealed({ type: 'stored', stored });
    assert.deepEqual(decode(frame), { type: 'stored', stored });
    assert.throws(() => decode(frame.subarray(0, frame.length - 1)), /truncated sealed frame/);
  });
});
