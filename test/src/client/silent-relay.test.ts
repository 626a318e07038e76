/**
 * The client library against relays that cannot be reached or go silent, on real sockets: a refused port
 * and an unresolvable host fail within the bound with the URL and the reason; a TCP server that accepts and
 * never answers, and a relay that goes silent after the welcome (a frozen proxy in front of a real relay),
 * are noticed, and the connection keeps reconnecting with backoff, saying so, until the relay is back.
 */
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import * as Y from 'yjs';
import {
  CloseCode,
  ConnectionClosedError,
  DocumentSession,
  EnclaveConnection,
  generateIdentity,
  type Identity,
  type KeepAliveOptions,
  reconnectText,
} from '@enclave/shared';
import { FreezableProxy } from '../support/freezable-proxy.js';
import { createSpace, NodeWebSocket, openDocument, type RelayFixture, startRelay } from '../support/relay-fixture.js';
import { delay, waitFor } from '../support/wait.js';

const FAST: KeepAliveOptions = { connectTimeoutMs: 500, heartbeatMs: 100, deadAfterMs: 400 };

function connection(url: string, identity: Identity, reconnect: boolean): EnclaveConnection {
  return new EnclaveConnection({
    relayUrl: url,
    room: { space: 'team', document: 'notes.md' },
    identity,
    WebSocket: NodeWebSocket,
    reconnect,
    backoff: { initialMs: 50, maxMs: 400 },
    keepAlive: FAST,
  });
}

/** How long `whenWelcomed` took to fail, and with what. */
async function failure(conn: EnclaveConnection): Promise<{ error: ConnectionClosedError; ms: number }> {
  const started = Date.now();
  const error = await conn
    .connect()
    .whenWelcomed()
    .then(
      () => assert.fail('admitted by a relay that is not there'),
      (e: unknown) => e,
    );
  assert.ok(error instanceof ConnectionClosedError, String(error));
  return { error, ms: Date.now() - started };
}

/** A TCP server that accepts connections and never sends a byte. */
async function silentServer(): Promise<{ url: string; server: Server; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => sockets.push(socket.on('error', () => undefined)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return { url: `ws://127.0.0.1:${port}`, server, sockets };
}

describe('client library: unreachable and silent relays', function () {
  this.timeout(30_000);
  let me: Identity;

  before(async () => {
    me = await generateIdentity('Me');
  });

  it('fails on a refused port with the URL and the reason', async () => {
    const closedPort = await silentServer();
    await new Promise<void>((resolve) => closedPort.server.close(() => resolve()));
    const conn = connection(closedPort.url, me, false);
    const { error, ms } = await failure(conn);
    assert.equal(error.code, CloseCode.Abnormal);
    assert.ok(error.message.includes(closedPort.url), error.message);
    assert.match(error.message, /cannot reach the relay at ws:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED/);
    assert.ok(ms < 2_000, `${ms} ms`);
    assert.equal(conn.status, 'closed');
  });

  it('fails on a host name that does not resolve, within the connect timeout', async () => {
    const url = 'ws://enclave-test-no-such-host.invalid:4000';
    const { error, ms } = await failure(connection(url, me, false));
    assert.ok(error.message.includes(url), error.message);
    assert.ok(error.unreachable, error.message);
    assert.ok(ms < FAST.connectTimeoutMs + 1_000, `${ms} ms`);
  });

  it('gives up on a server that accepts and never answers, and keeps retrying with backoff', async () => {
    const silent = await silentServer();
    const conn = connection(silent.url, me, true);
    try {
      const { error, ms } = await failure(conn);
      assert.equal(error.code, CloseCode.Silent);
      assert.equal(error.message, `no answer from the relay at ${silent.url}: no challenge within 500 ms`);
      assert.ok(ms >= FAST.connectTimeoutMs && ms < FAST.connectTimeoutMs + 1_000, `${ms} ms`);
      // The open failed, but the connection keeps trying in the background, and says so.
      assert.equal(conn.status, 'disconnected');
      assert.match(reconnectText(conn)!, /^reconnecting to ws:\/\/127\.0\.0\.1:\d+ in \d+ s \(attempt 1\)$/);
      await waitFor(() => (conn.nextAttempt?.attempt ?? 0) >= 3, 'third attempt scheduled', 10_000);
      assert.ok(silent.sockets.length >= 3, 'each attempt reached the server');
      assert.ok(conn.lastClose!.retry!.delayMs <= 400);
    } finally {
      conn.destroy();
      for (const socket of silent.sockets) socket.destroy();
      silent.server.close();
    }
  });

  describe('a relay that goes silent after the welcome', () => {
    let fixture: RelayFixture;
    let proxy: FreezableProxy;
    let peer: Identity;

    beforeEach(async () => {
      // The relay offers a fast heartbeat but is slow to give up on clients: the client must notice first.
      fixture = await startRelay({ keepAlive: { intervalMs: 100, timeoutMs: 20_000 } });
      peer = await generateIdentity('Peer');
      await createSpace(fixture.url, fixture.admin, 'team', [
        { identity: me, role: 'editor' },
        { identity: peer, role: 'editor' },
      ]);
      proxy = await FreezableProxy.start(fixture.url);
    });

    afterEach(async () => {
      await proxy.close();
      await fixture.close();
    });

    it('stays connected while the relay answers pings, however quiet the document', async () => {
      const conn = connection(proxy.url, me, true).connect();
      try {
        await conn.whenWelcomed();
        await delay(FAST.deadAfterMs * 4);
        assert.equal(conn.status, 'connected');
      } finally {
        conn.destroy();
      }
    });

    it('notices the silence, reconnects with backoff, and syncs again once the relay answers', async () => {
      const other = await openDocument(fixture.url, peer, { space: 'team', document: 'notes.md' }, { create: 'draft' });
      const conn = connection(proxy.url, me, true).connect();
      const doc = new Y.Doc();
      const session = new DocumentSession({ connection: conn, doc });
      try {
        await session.whenSynced();
        proxy.freeze();
        const frozenAt = Date.now();
        await waitFor(() => conn.status === 'disconnected', 'silence noticed', 5_000);
        assert.ok(Date.now() - frozenAt < FAST.deadAfterMs + 1_000, 'noticed within the bound');
        assert.equal(conn.lastClose!.code, CloseCode.Silent);
        assert.match(conn.lastClose!.reason, /no answer to pings/);
        // While the relay stays silent, attempts fail (no challenge) and the backoff counts on.
        await waitFor(() => (conn.nextAttempt?.attempt ?? 0) >= 2, 'second attempt scheduled', 10_000);
        assert.match(conn.lastClose!.reason, /no challenge/);
        assert.match(reconnectText(conn)!, /reconnecting to .* in \d+ s \(attempt [2-9]\)/);
        other.doc.getText('source').insert(0, 'written while you were away');
        proxy.thaw();
        await waitFor(() => conn.status === 'connected', 'reconnected', 10_000);
        await waitFor(() => doc.getText('source').toString() === 'written while you were away', 'synced again');
        assert.equal(reconnectText(conn), undefined);
      } finally {
        session.destroy();
        conn.destroy();
        other.close();
      }
    });
  });
});
