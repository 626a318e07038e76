/**
 * Operating the relay: health and Prometheus metrics, TLS, idle documents leaving memory and coming back.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { DocumentSession, EnclaveConnection, generateIdentity, type WebSocketConstructor } from '@enclave/shared';
import { createSpace, openDocument, type RelayFixture, startRelay } from '../support/relay-fixture.js';
import { waitFor } from '../support/wait.js';
import * as Y from 'yjs';

const httpUrl = (wsUrl: string, path: string): string => `${wsUrl.replace(/^ws/, 'http')}${path}`;

describe('relay operations', function () {
  this.timeout(30_000);
  let fixture: RelayFixture;
  beforeEach(async () => {
    fixture = await startRelay({ idleUnloadMs: 100 });
  });
  afterEach(async () => fixture.close());

  it('answers /healthz with status and counts, and nothing about spaces', async () => {
    const response = await fetch(httpUrl(fixture.url, '/healthz'));
    assert.equal(response.status, 200);
    const body = (await response.json()) as Record<string, unknown>;
    assert.equal(body['status'], 'ok');
    assert.equal(typeof body['connections'], 'number');
    assert.deepEqual(Object.keys(body).sort(), [
      'connections',
      'fanOut',
      'loadedDocuments',
      'relayId',
      'shuttingDown',
      'status',
      'storage',
    ]);
    assert.deepEqual(body['storage'], { engine: 'sqlite', state: 'ok' });
    assert.deepEqual(body['fanOut'], { state: 'local' }, 'a relay alone on its storage says so');
  });

  it('exports Prometheus metrics that move with traffic', async () => {
    const editor = await generateIdentity('Ed');
    await createSpace(fixture.url, fixture.admin, 'team', [{ identity: editor, role: 'editor' }]);
    const peer = await openDocument(fixture.url, editor, { space: 'team', document: 'm.md' }, { create: 'draft' });
    peer.doc.getText('source').insert(0, 'counted');
    await peer.session.flush();
    const text = await (await fetch(httpUrl(fixture.url, '/metrics'))).text();
    assert.match(text, /# TYPE enclave_updates_stored_total counter/);
    assert.match(text, /enclave_updates_stored_total [1-9]/);
    assert.match(text, /enclave_connections\{state="admitted"\} 1/);
    assert.match(text, /enclave_handshakes_total\{outcome="admitted"\} [1-9]/);
    assert.match(text, /enclave_process_resident_memory_bytes \d+/);
    assert.match(text, /enclave_storage_operation_seconds_count\{operation="appendUpdates"\} [1-9]/);
    assert.match(text, /# TYPE enclave_storage_errors_total counter/);
    peer.close();
  });

  it('refuses other HTTP methods and paths without revealing anything', async () => {
    assert.equal((await fetch(httpUrl(fixture.url, '/healthz'), { method: 'POST' })).status, 405);
    const other = await fetch(httpUrl(fixture.url, '/team/doc'));
    assert.equal(other.status, 426);
    assert.doesNotMatch(await other.text(), /team/);
  });

  it('lets idle documents leave memory and reloads them on demand', async () => {
    const editor = await generateIdentity('Ed');
    await createSpace(fixture.url, fixture.admin, 'team', [{ identity: editor, role: 'editor' }]);
    const room = { space: 'team', document: 'idle.md' };
    const peer = await openDocument(fixture.url, editor, room, { create: 'draft' });
    peer.doc.getText('source').insert(0, 'kept while unloaded');
    await peer.session.flush();
    const loaded = async (): Promise<number> =>
      ((await (await fetch(httpUrl(fixture.url, '/healthz'))).json()) as { loadedDocuments: number }).loadedDocuments;
    assert.equal(await loaded(), 1);
    peer.close();
    await waitFor(async () => (await loaded()) === 0, 'document unloaded after the idle delay');
    const again = await openDocument(fixture.url, editor, room);
    assert.equal(again.doc.getText('source').toString(), 'kept while unloaded');
    assert.equal(await loaded(), 1);
    again.close();
  });
});

describe('relay over TLS', function () {
  this.timeout(30_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'enclave-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('serves wss:// and https:// with the given certificate', async () => {
    const cert = readFileSync(join(dir, 'cert.pem'));
    const fixture = await startRelay({ tls: { cert, key: readFileSync(join(dir, 'key.pem')) } });
    try {
      assert.match(fixture.url, /^wss:\/\/127\.0\.0\.1:\d+$/);
      // A WebSocket that trusts exactly this certificate, as a deployment's CA bundle would.
      class TrustingWebSocket extends WebSocket {
        constructor(url: string) {
          super(url, { ca: cert });
        }
      }
      const editor = await generateIdentity('Ed');
      await new Promise<void>((resolve, reject) => {
        httpsGet(`${fixture.url.replace('wss', 'https')}/healthz`, { ca: cert }, (res) => {
          assert.equal(res.statusCode, 200);
          res.resume();
          resolve();
        }).on('error', reject);
      });
      const admin = new EnclaveConnection({
        relayUrl: fixture.url,
        room: { space: 'team' },
        identity: fixture.admin,
        WebSocket: TrustingWebSocket as unknown as WebSocketConstructor,
        reconnect: false,
      }).connect();
      await admin.request({ op: 'space.create' });
      await admin.request({ op: 'members.grant', publicKey: editor.publicKey, role: 'editor' });
      admin.destroy();
      const connection = new EnclaveConnection({
        relayUrl: fixture.url,
        room: { space: 'team', document: 'tls.md' },
        identity: editor,
        WebSocket: TrustingWebSocket as unknown as WebSocketConstructor,
        reconnect: false,
      }).connect();
      const doc = new Y.Doc();
      const session = new DocumentSession({ connection, doc, create: 'draft' });
      await session.whenSynced();
      doc.getText('source').insert(0, 'encrypted in transit');
      await session.flush();
      session.destroy();
      connection.destroy();
      // A client that does not trust the certificate cannot connect at all.
      const untrusting = new EnclaveConnection({
        relayUrl: fixture.url,
        room: { space: 'team' },
        identity: editor,
        WebSocket: WebSocket as unknown as WebSocketConstructor,
        reconnect: false,
      }).connect();
      await assert.rejects(untrusting.whenWelcomed());
      untrusting.destroy();
    } finally {
      await fixture.close();
    }
  });
});
