/**
 * The relay's keep-alive, on real sockets: a member whose client stops answering (no pong, no frame) is
 * closed and leaves the document; a TCP peer that answers nothing, not even the close frame, is dropped;
 * a quiet client that answers pings stays; application-level pings are answered, but only after the
 * handshake answer (before it they are refused like any other frame).
 */
import assert from 'node:assert/strict';
import { connect as tcpConnect, type Socket } from 'node:net';
import WebSocket from 'ws';
import { CloseCode, encodeClientMessage, generateIdentity, type Identity } from '@enclave/shared';
import { createSpace, openDocument, type RelayFixture, startRelay } from '../support/relay-fixture.js';
import { delay, waitFor } from '../support/wait.js';
import { WireRecorder } from '../support/wire-recorder.js';

const KEEP_ALIVE = { intervalMs: 50, timeoutMs: 250 };

async function health(url: string): Promise<{ connections: number }> {
  const response = await fetch(`${url.replace(/^ws/, 'http')}/healthz`);
  return (await response.json()) as { connections: number };
}

describe('relay keep-alive', function () {
  this.timeout(20_000);
  let fixture: RelayFixture;
  let member: Identity;

  beforeEach(async () => {
    // A long handshake timeout, so that only the keep-alive can close the silent clients below.
    fixture = await startRelay({ keepAlive: KEEP_ALIVE, limits: { handshakeTimeoutMs: 60_000 } });
    member = await generateIdentity('Member');
    await createSpace(fixture.url, fixture.admin, 'team', [{ identity: member, role: 'editor' }]);
  });

  afterEach(() => fixture.close());

  it('offers its heartbeat in the challenge', async () => {
    const recorder = await WireRecorder.open(`${fixture.url}/team/notes.md`);
    assert.equal(recorder.challenge.heartbeatMs, KEEP_ALIVE.intervalMs);
    recorder.close();
  });

  it('closes a member whose client stops answering, and drops it from the document', async () => {
    const peer = await openDocument(fixture.url, member, { space: 'team', document: 'notes.md' }, { create: 'draft' });
    try {
      const silent = await WireRecorder.admitted(fixture.url, member, 'team/notes.md', { autoPong: false });
      const started = Date.now();
      const closed = await silent.closed(5_000);
      assert.equal(closed.code, CloseCode.Silent);
      assert.match(closed.reason, /no answer to pings/);
      assert.ok(Date.now() - started < KEEP_ALIVE.timeoutMs + 10 * KEEP_ALIVE.intervalMs, 'closed within the bound');
      // Only the live peer's connection is left on the relay.
      await waitFor(async () => (await health(fixture.url)).connections === 1, 'one connection left');
      assert.equal(peer.connection.status, 'connected');
    } finally {
      peer.close();
    }
  });

  it('drops a TCP peer that answers nothing, not even the close frame', async () => {
    const raw: Socket = tcpConnect(Number(new URL(fixture.url).port), '127.0.0.1');
    let ended = false;
    raw.on('close', () => (ended = true));
    raw.on('error', () => undefined);
    raw.on('data', () => undefined); // read and ignore everything: challenge, pings, the close frame
    raw.write(
      'GET /team/notes.md HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
    );
    try {
      await waitFor(async () => (await health(fixture.url)).connections === 1, 'upgraded');
      await waitFor(() => ended, 'the relay dropped the socket', 5_000);
      assert.equal((await health(fixture.url)).connections, 0);
    } finally {
      raw.destroy();
    }
  });

  it('keeps a quiet client that answers pings', async () => {
    const quiet = await WireRecorder.admitted(fixture.url, member, 'team/notes.md');
    try {
      await delay(KEEP_ALIVE.timeoutMs * 3);
      assert.equal(quiet.closeRecord, undefined);
      assert.equal(quiet.socket.readyState, WebSocket.OPEN);
    } finally {
      quiet.close();
    }
  });

  it('answers a ping with a pong after the handshake answer, and refuses one before it', async () => {
    const admitted = await WireRecorder.admitted(fixture.url, member, 'team/notes.md', { autoPong: false });
    try {
      admitted.send(encodeClientMessage({ type: 'ping' }));
      await waitFor(() => admitted.messages().some((m) => m.type === 'pong'), 'pong');
    } finally {
      admitted.close();
    }
    const early = await WireRecorder.open(`${fixture.url}/team/notes.md`);
    early.send(encodeClientMessage({ type: 'ping' }));
    assert.equal((await early.closed()).code, CloseCode.Unauthenticated);
    assert.deepEqual(
      early.messages().map((m) => m.type),
      ['challenge'],
    );
  });
});
