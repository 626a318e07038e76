/**
 * A relay service reached at several addresses (a cluster behind more than one address): the client tries
 * them in turn, gives up only when none answered, and a connection whose address dies moves to another at
 * once and loses no edit. Here two addresses lead to one relay (a proxy that is killed, and the relay itself),
 * which is what a client sees of a cluster whose relays share storage.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import * as Y from 'yjs';
import {
  ConnectionClosedError,
  DocumentSession,
  EnclaveConnection,
  generateIdentity,
  type Identity,
  parseRelayAddresses,
  statusSummary,
} from '@enclave/shared';
import { FreezableProxy } from '../support/freezable-proxy.js';
import { createSpace, NodeWebSocket, openDocument, type RelayFixture, startRelay } from '../support/relay-fixture.js';
import { waitFor } from '../support/wait.js';

/** A loopback port with nothing listening on it: connections are refused. */
async function refusedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `ws://127.0.0.1:${port}`;
}

function connection(urls: readonly string[], identity: Identity, reconnect: boolean): EnclaveConnection {
  return new EnclaveConnection({
    relayUrl: urls[0]!,
    alternateUrls: urls.slice(1),
    room: { space: 'team', document: 'notes.md' },
    identity,
    WebSocket: NodeWebSocket,
    reconnect,
    backoff: { initialMs: 50, maxMs: 400 },
    keepAlive: { connectTimeoutMs: 1000 },
  });
}

describe('a relay at several addresses', function () {
  this.timeout(30_000);
  let fixture: RelayFixture;
  let lead: Identity;
  let editor: Identity;

  beforeEach(async () => {
    fixture = await startRelay();
    lead = fixture.admin;
    editor = await generateIdentity('Ada');
    await createSpace(fixture.url, lead, 'team', [{ identity: editor, role: 'editor' }]);
    (await openDocument(fixture.url, lead, { space: 'team', document: 'notes.md' }, { create: 'draft' })).close();
  });

  afterEach(() => fixture.close());

  it('parses a typed list of addresses and refuses anything that is not a relay URL', () => {
    assert.deepEqual(parseRelayAddresses('ws://a:1, ws://b:2 wss://c/'), {
      url: 'ws://a:1',
      alternates: ['ws://b:2', 'wss://c'],
    });
    assert.throws(() => parseRelayAddresses('ws://a:1,http://b'), /ws:\/\/ or wss:\/\//);
    assert.throws(() => parseRelayAddresses(' , '), /no relay URL/);
  });

  for (const reconnect of [false, true]) {
    it(`goes on to the next address when the first refuses (reconnect ${reconnect})`, async () => {
      const dead = await refusedUrl();
      const conn = connection([dead, fixture.url], editor, reconnect).connect();
      try {
        const welcome = await conn.whenWelcomed();
        assert.equal(welcome.role, 'editor');
        assert.equal(conn.relayUrl, fixture.url);
      } finally {
        conn.destroy();
      }
    });
  }

  it('gives up only when no address answered, naming the last one it tried', async () => {
    const first = await refusedUrl();
    const second = await refusedUrl();
    for (const reconnect of [false, true]) {
      const conn = connection([first, second], editor, reconnect).connect();
      const error = await conn.whenWelcomed().then(
        () => assert.fail('admitted by relays that are not there'),
        (e: unknown) => e,
      );
      conn.destroy();
      assert.ok(error instanceof ConnectionClosedError, String(error));
      assert.match(error.message, new RegExp(second.replace(/[.]/g, '\\.')));
    }
  });

  it('moves to another address when its own dies mid-session, and loses no edit', async () => {
    const proxy = await FreezableProxy.start(fixture.url);
    const watcher = await openDocument(fixture.url, lead, { space: 'team', document: 'notes.md' }, { reconnect: true });
    const doc = new Y.Doc();
    const conn = connection([proxy.url, fixture.url], editor, true);
    const session = new DocumentSession({ connection: conn.connect(), doc });
    try {
      await session.whenSynced();
      assert.equal(conn.relayUrl, proxy.url);
      assert.match(statusSummary(conn, 'editor').detail, new RegExp(`on ${proxy.url}$`));
      const text = doc.getText('source');
      text.insert(0, 'before ');
      await session.flush();

      await proxy.close(); // the address dies with the connection on it
      text.insert(text.length, 'during ');
      await waitFor(
        () => conn.relayUrl === fixture.url && conn.status === 'connected' && session.synced,
        'reconnected through the other address',
      );
      // What the editors show says where the session lives now.
      assert.equal(statusSummary(conn, 'editor').detail, `Live: team/notes.md on ${fixture.url}`);
      text.insert(text.length, 'after');
      await session.flush();

      const seen = watcher.doc.getText('source');
      await waitFor(() => seen.toString() === 'before during after', `watcher sees every edit: "${seen}"`);
    } finally {
      session.destroy();
      conn.destroy();
      watcher.close();
    }
  });
});
