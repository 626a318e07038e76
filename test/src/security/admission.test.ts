/**
 * What an attacker does NOT get, asserted on the wire: a non-member, a revoked member, a wrong signature,
 * a replayed handshake and a stock y-websocket client each receive the challenge and a close code, and not
 * one byte of document content or presence; nor can they tell whether the space or document exists.
 */
import assert from 'node:assert/strict';
import * as encoding from 'lib0/encoding';
import WebSocket from 'ws';
import * as syncProtocol from 'y-protocols/sync';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import {
  answerChallenge,
  CloseCode,
  encodeClientMessage,
  generateIdentity,
  type Identity,
  importSigningKey,
  MessageTag,
} from '@enclave/shared';
import { connect, createSpace, openDocument, type RelayFixture, startRelay } from '../support/relay-fixture.js';
import { delay, waitFor } from '../support/wait.js';
import { WireRecorder } from '../support/wire-recorder.js';

const SECRET = 'the-unpublished-result-42';

/** Answers the recorder's challenge as `identity`, optionally signing with another key. */
async function authenticate(
  recorder: WireRecorder,
  identity: Identity,
  room: string,
  signer: Identity = identity,
): Promise<void> {
  const answer = await answerChallenge(recorder.challenge, identity, await importSigningKey(signer), room, 1);
  recorder.send(encodeClientMessage(answer));
}

/** A y-protocols sync step 1 from an empty document: "send me everything". */
function syncStep1(): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageTag.Sync);
  syncProtocol.writeSyncStep1(encoder, new Y.Doc());
  return encoding.toUint8Array(encoder);
}

function assertNothingLeaked(recorder: WireRecorder): void {
  assert.deepEqual(recorder.tags(), [MessageTag.Enclave], 'only the challenge frame was received');
  assert.equal(recorder.messages()[0]?.type, 'challenge');
  assert.equal(recorder.documentFrames().length, 0, 'zero document or awareness frames');
  assert.equal(recorder.received(SECRET), false, 'the secret text never crossed the wire');
  assert.equal(recorder.received('Lead'), false, 'no member names');
}

describe('admission: what unadmitted clients receive', () => {
  let fixture: RelayFixture;
  let member: Identity;
  let outsider: Identity;
  let revoked: Identity;
  let editorPeer: Awaited<ReturnType<typeof openDocument>>;

  before(async () => {
    fixture = await startRelay();
    member = await generateIdentity('Member');
    outsider = await generateIdentity('Outsider');
    revoked = await generateIdentity('Revoked');
    await createSpace(fixture.url, { ...fixture.admin, name: 'Lead' }, 'team', [
      { identity: member, role: 'editor' },
      { identity: revoked, role: 'editor' },
    ]);
    editorPeer = await openDocument(fixture.url, member, { space: 'team', document: 'paper.md' }, { create: 'draft' });
    editorPeer.doc.getText('source').insert(0, SECRET);
    editorPeer.session.awareness.setLocalStateField('cursor', { index: 3 });
    await editorPeer.session.flush();
    const lead = connect(fixture.url, fixture.admin, { space: 'team' });
    await lead.request({ op: 'members.revoke', publicKey: revoked.publicKey });
    lead.destroy();
  });

  after(async () => {
    editorPeer.close();
    await fixture.close();
  });

  it('a non-member with a valid signature gets the challenge, then 4403', async () => {
    const recorder = await WireRecorder.open(`${fixture.url}/team/paper.md`);
    await authenticate(recorder, outsider, 'team/paper.md');
    assert.equal((await recorder.closed()).code, CloseCode.Forbidden);
    assertNothingLeaked(recorder);
  });

  it('a revoked member gets exactly what a non-member gets', async () => {
    const recorder = await WireRecorder.open(`${fixture.url}/team/paper.md`);
    await authenticate(recorder, revoked, 'team/paper.md');
    assert.equal((await recorder.closed()).code, CloseCode.Forbidden);
    assertNothingLeaked(recorder);
  });

  it('a member key with a signature from another key gets 4401', async () => {
    const recorder = await WireRecorder.open(`${fixture.url}/team/paper.md`);
    await authenticate(recorder, member, 'team/paper.md', outsider);
    assert.equal((await recorder.closed()).code, CloseCode.Unauthenticated);
    assertNothingLeaked(recorder);
  });

  it('a signature made for another room is refused', async () => {
    const recorder = await WireRecorder.open(`${fixture.url}/team/paper.md`);
    await authenticate(recorder, member, 'team/other.md');
    assert.equal((await recorder.closed()).code, CloseCode.Unauthenticated);
    assertNothingLeaked(recorder);
  });

  it("a replayed handshake (a member's real answer, captured and sent again) is refused", async () => {
    // The member authenticates for real on one connection; an eavesdropper replays those exact bytes.
    const first = await WireRecorder.open(`${fixture.url}/team/paper.md`);
    const answer = await answerChallenge(first.challenge, member, await importSigningKey(member), 'team/paper.md', 1);
    const captured = encodeClientMessage(answer);
    first.send(captured);
    await waitFor(() => first.documentFrames().length > 0, 'the genuine member is admitted');
    first.send(syncStep1());
    await waitFor(() => first.received(SECRET), 'control: the genuine member does receive the document');
    first.close();

    const replay = await WireRecorder.open(`${fixture.url}/team/paper.md`);
    replay.send(captured);
    assert.equal((await replay.closed()).code, CloseCode.Unauthenticated);
    assertNothingLeaked(replay);
  });

  it('a second authenticate on the same connection is a protocol error, not a second chance', async () => {
    const recorder = await WireRecorder.open(`${fixture.url}/team/paper.md`);
    await authenticate(recorder, member, 'team/paper.md', outsider);
    await authenticate(recorder, member, 'team/paper.md');
    assert.equal((await recorder.closed()).code, CloseCode.Unauthenticated);
    assertNothingLeaked(recorder);
  });

  it('a stock y-websocket client is closed with 4401 and its document stays empty', async () => {
    const received: Uint8Array[] = [];
    const codes: number[] = [];
    // The stock provider, given a WebSocket class that records what reaches it.
    class RecordingWebSocket extends WebSocket {
      constructor(url: string) {
        super(url);
        this.on('message', (data: Buffer) => received.push(new Uint8Array(data)));
        this.on('close', (code) => codes.push(code));
      }
    }
    const doc = new Y.Doc();
    const provider = new WebsocketProvider(fixture.url, 'team/paper.md', doc, {
      WebSocketPolyfill: RecordingWebSocket as unknown as typeof globalThis.WebSocket,
      maxBackoffTime: 60_000,
    });
    provider.awareness.setLocalStateField('user', { name: 'stock' });
    await waitFor(() => codes.length > 0, 'closed');
    provider.destroy();
    assert.equal(codes[0], CloseCode.Unauthenticated);
    assert.equal(doc.getText('source').toString(), '');
    assert.equal(provider.awareness.getStates().size <= 1, true, 'no remote presence');
    const tags = received.map((f) => f[0]);
    assert.deepEqual([...new Set(tags)], [MessageTag.Enclave], 'only the challenge reached it');
    assert.equal(
      received.some((f) => Buffer.from(f).includes(Buffer.from(SECRET))),
      false,
    );
  });

  it('refusals look the same whether or not the space and document exist', async () => {
    const results = [];
    for (const room of ['team/paper.md', 'team/nope.md', 'nospace/paper.md', 'team', 'nospace']) {
      const recorder = await WireRecorder.open(`${fixture.url}/${room}`);
      await authenticate(recorder, outsider, room);
      const closed = await recorder.closed();
      assertNothingLeaked(recorder);
      results.push([closed.code, closed.reason, recorder.frames.length]);
    }
    for (const result of results) assert.deepEqual(result, results[0]);
  });

  it('a silent client is closed when the handshake times out (stale challenge)', async () => {
    const quick = await startRelay({ limits: { handshakeTimeoutMs: 200 } });
    try {
      const recorder = await WireRecorder.open(`${quick.url}/team/paper.md`);
      await delay(400);
      assert.equal((await recorder.closed()).code, CloseCode.HandshakeTimeout);
      // Answering a stale challenge afterwards is impossible: the connection (and its nonce) are gone.
      assert.equal(recorder.socket.readyState, WebSocket.CLOSED);
    } finally {
      await quick.close();
    }
  });
});
