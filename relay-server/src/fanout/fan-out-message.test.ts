import assert from 'node:assert/strict';
import { generateIdentity } from '@enclave/shared';
import {
  decodeDocumentMessage,
  encodeDocumentMessage,
  fanOutKey,
  FanOutKind,
  isFromSource,
  openFanOutMessage,
  sealFanOutMessage,
  sourcePrefix,
} from './fan-out-message.js';

describe('fan-out messages between relays', () => {
  const channel = 'enclave:doc:team/draft.md';
  const updates = [
    { seq: 7, bytes: new Uint8Array([1, 2, 3]) },
    { seq: 8, bytes: new Uint8Array([4]) },
  ];
  let key: Buffer;
  before(async () => {
    key = fanOutKey((await generateIdentity('relay')).secretKey);
  });

  it('a sealed group of stored updates opens and decodes to what was sent, seqs and order kept', () => {
    const body = encodeDocumentMessage('abc.1', 5, FanOutKind.StoredBatch, { updates });
    const opened = openFanOutMessage(key, channel, sealFanOutMessage(key, channel, body));
    assert.ok(opened);
    const message = decodeDocumentMessage(opened);
    assert.equal(message.source, 'abc.1');
    assert.equal(message.counter, 5);
    assert.deepEqual(
      message.updates.map((u) => [u.seq, [...u.bytes]]),
      [
        [7, [1, 2, 3]],
        [8, [4]],
      ],
    );
  });

  it('does not open without the tag, under another key, on another channel, or altered', async () => {
    const body = encodeDocumentMessage('abc.1', 1, FanOutKind.StoredBatch, { updates });
    const sealed = sealFanOutMessage(key, channel, body);
    const otherKey = fanOutKey((await generateIdentity('relay')).secretKey);
    assert.equal(openFanOutMessage(key, channel, Buffer.from(body)), undefined, 'no tag');
    assert.equal(openFanOutMessage(key, channel, Buffer.concat([Buffer.alloc(16), body])), undefined, 'zero tag');
    assert.equal(openFanOutMessage(key, channel, sealFanOutMessage(otherKey, channel, body)), undefined, 'other key');
    assert.equal(openFanOutMessage(key, 'enclave:doc:team/other.md', sealed), undefined, 'replayed elsewhere');
    for (let i = 0; i < sealed.length; i++) {
      const altered = Buffer.from(sealed);
      altered[i] = altered[i]! ^ 1;
      assert.equal(openFanOutMessage(key, channel, altered), undefined, `byte ${i} flipped`);
    }
    assert.equal(openFanOutMessage(key, channel, sealed.subarray(0, 10)), undefined, 'shorter than a tag');
  });

  it("recognises a relay's own messages by their source, without decoding them", () => {
    const own = sourcePrefix('0123456789abcdef.');
    const mine = sealFanOutMessage(key, channel, encodeDocumentMessage('0123456789abcdef.12', 1, FanOutKind.Presence));
    const theirs = sealFanOutMessage(key, channel, encodeDocumentMessage('fedcba9876543210.1', 1, FanOutKind.Presence));
    // A source that merely starts like ours but is another instance (no dot where ours has one).
    const lookalike = sealFanOutMessage(
      key,
      channel,
      encodeDocumentMessage('0123456789abcdef0.1', 1, FanOutKind.Resync),
    );
    assert.equal(isFromSource(mine, own), true);
    assert.equal(isFromSource(theirs, own), false);
    assert.equal(isFromSource(lookalike, own), false);
    assert.equal(isFromSource(Buffer.alloc(5), own), false);
  });
});
