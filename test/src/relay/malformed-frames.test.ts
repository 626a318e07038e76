/**
 * Hostile frames: random bytes, truncated varints, bad updates, bad awareness, text frames and oversized
 * frames each close only the offending connection with a named code; the document and the other clients
 * are unharmed.
 */
import assert from 'node:assert/strict';
import * as encoding from 'lib0/encoding';
import WebSocket from 'ws';
import { CloseCode, encodeClientMessage, generateIdentity, type Identity, MessageTag } from '@enclave/shared';
import {
  createSpace,
  openDocument,
  type OpenDocument,
  type RelayFixture,
  startRelay,
} from '../support/relay-fixture.js';
import { randomInt, seededRandom } from '../support/seeded-random.js';
import { waitFor } from '../support/wait.js';
import { WireRecorder } from '../support/wire-recorder.js';

const ROOM = 'team/target.md';

function frame(...parts: ((e: encoding.Encoder) => void)[]): Uint8Array {
  const encoder = encoding.createEncoder();
  parts.forEach((p) => p(encoder));
  return encoding.toUint8Array(encoder);
}

describe('malformed frames', function () {
  this.timeout(60_000);
  let fixture: RelayFixture;
  let attacker: Identity;
  let alice: OpenDocument;
  let bob: OpenDocument;

  before(async () => {
    fixture = await startRelay({ limits: { maxFrameBytes: 64 * 1024 } });
    attacker = await generateIdentity('Insider gone bad');
    const a = await generateIdentity('Alice');
    const b = await generateIdentity('Bob');
    await createSpace(fixture.url, fixture.admin, 'team', [
      { identity: attacker, role: 'editor' },
      { identity: a, role: 'editor' },
      { identity: b, role: 'editor' },
    ]);
    alice = await openDocument(fixture.url, a, { space: 'team', document: 'target.md' }, { create: 'draft' });
    bob = await openDocument(fixture.url, b, { space: 'team', document: 'target.md' });
    alice.doc.getText('source').insert(0, 'intact');
    await waitFor(() => bob.doc.getText('source').toString() === 'intact', 'initial sync');
  });

  after(async () => {
    alice.close();
    bob.close();
    await fixture.close();
  });

  afterEach(async () => {
    // After every attack the honest peers still edit together, and the document is as it was.
    const marker = `+${Math.random().toString(36).slice(2, 7)}`;
    const text = alice.doc.getText('source');
    text.insert(text.length, marker);
    await waitFor(() => bob.doc.getText('source').toString() === text.toString(), 'peers still sync');
    assert.ok(text.toString().startsWith('intact'));
    assert.equal(alice.connection.status, 'connected');
    assert.equal(bob.connection.status, 'connected');
  });

  const cases: [string, () => Uint8Array | string, number][] = [
    ['an empty frame', () => new Uint8Array(0), CloseCode.ProtocolError],
    ['a truncated varint', () => new Uint8Array([0x80, 0x80, 0x80]), CloseCode.ProtocolError],
    ['an unknown tag', () => frame((e) => encoding.writeVarUint(e, 77)), CloseCode.ProtocolError],
    [
      'a sync frame with an unknown sync type',
      () =>
        frame(
          (e) => encoding.writeVarUint(e, MessageTag.Sync),
          (e) => encoding.writeVarUint(e, 9),
        ),
      CloseCode.ProtocolError,
    ],
    [
      'a sync update whose length prefix lies',
      () =>
        frame(
          (e) => encoding.writeVarUint(e, MessageTag.Sync),
          (e) => encoding.writeVarUint(e, 2),
          (e) => encoding.writeVarUint(e, 5000),
        ),
      CloseCode.ProtocolError,
    ],
    [
      'a sync update of garbage bytes',
      () =>
        frame(
          (e) => encoding.writeVarUint(e, MessageTag.Sync),
          (e) => encoding.writeVarUint(e, 2),
          (e) => encoding.writeVarUint8Array(e, new Uint8Array([5, 200, 1, 255, 255, 255, 255, 15, 3, 3])),
        ),
      CloseCode.ProtocolError,
    ],
    [
      'awareness whose state is not UTF-8',
      () =>
        frame(
          (e) => encoding.writeVarUint(e, MessageTag.Awareness),
          (e) =>
            encoding.writeVarUint8Array(
              e,
              frame(
                (x) => encoding.writeVarUint(x, 1),
                (x) => encoding.writeVarUint(x, 7),
                (x) => encoding.writeVarUint(x, 1),
                (x) => encoding.writeVarUint8Array(x, new Uint8Array([0xff, 0xfe, 0x7b])),
              ),
            ),
        ),
      CloseCode.ProtocolError,
    ],
    [
      'awareness that is not JSON',
      () =>
        frame(
          (e) => encoding.writeVarUint(e, MessageTag.Awareness),
          (e) =>
            encoding.writeVarUint8Array(
              e,
              frame(
                (x) => encoding.writeVarUint(x, 1),
                (x) => encoding.writeVarUint(x, 7),
                (x) => encoding.writeVarUint(x, 1),
                (x) => encoding.writeVarString(x, '{nope'),
              ),
            ),
        ),
      CloseCode.ProtocolError,
    ],
    [
      'a control message that is not JSON',
      () =>
        frame(
          (e) => encoding.writeVarUint(e, MessageTag.Enclave),
          (e) => encoding.writeVarString(e, 'DROP'),
        ),
      CloseCode.ProtocolError,
    ],
    ['a text frame', () => 'hello', CloseCode.ProtocolError],
    ['an oversized frame', () => new Uint8Array(200 * 1024).fill(1), CloseCode.FrameTooLarge],
  ];

  for (const [name, make, code] of cases) {
    it(`closes the sender of ${name} with ${code}`, async () => {
      const recorder = await WireRecorder.admitted(fixture.url, attacker, ROOM);
      recorder.send(make() as Uint8Array);
      assert.equal((await recorder.closed()).code, code);
    });
  }

  it('survives 100 seeded random frames, each closing its own connection', async () => {
    const random = seededRandom(0xc0ffee);
    for (let round = 0; round < 100; round++) {
      const recorder = await WireRecorder.admitted(fixture.url, attacker, ROOM);
      const bytes = Uint8Array.from({ length: 1 + randomInt(random, 64) }, () => randomInt(random, 256));
      recorder.socket.send(bytes);
      // Random bytes may happen to form a harmless message; then the connection stays open. Either way
      // nothing may crash: the next round and the afterEach check prove the relay is still serving.
      await Promise.race([recorder.closed(150).catch(() => undefined)]);
      if (recorder.closeRecord) {
        assert.ok(
          [CloseCode.ProtocolError, CloseCode.FrameTooLarge].includes(recorder.closeRecord.code as 4400),
          String(recorder.closeRecord.code),
        );
      }
      recorder.close();
    }
  });

  it('closes a connection that floods messages with 4429', async () => {
    const flood = await startRelay({ limits: { messagesPerSecond: 50, messageBurst: 100 } });
    try {
      const member = await generateIdentity('Flooder');
      await createSpace(flood.url, flood.admin, 'team', [{ identity: member, role: 'editor' }]);
      const recorder = await WireRecorder.admitted(flood.url, member, ROOM);
      // Harmless requests (each answered with an error), far faster than the limit allows.
      const request = encodeClientMessage({ type: 'request', id: 1, request: { op: 'documents.list' } });
      for (let i = 0; i < 300 && recorder.socket.readyState === WebSocket.OPEN; i++) recorder.send(request);
      assert.equal((await recorder.closed()).code, CloseCode.RateLimited);
    } finally {
      await flood.close();
    }
  });
});
