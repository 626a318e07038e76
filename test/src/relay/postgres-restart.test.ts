/**
 * PostgreSQL restarted under a live session: while it is down the relay stores nothing, so it forwards
 * nothing and acknowledges nothing (the writer is told, 4500 'storage unavailable'); /healthz says so. The
 * clients keep their edits and reconnect by themselves; once PostgreSQL is back the same relay process stores
 * them (its pool reconnects) and nothing acknowledged before is lost.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloseCode, generateIdentity } from '@enclave/shared';
import { createRelay, PostgresStorage, type Relay, silentLogger } from '@enclave/relay';
import { type PrivatePostgres, startPrivatePostgres } from '@enclave/relay/testing/private-postgres';
import * as Y from 'yjs';
import { createSpace, openDocument } from '../support/relay-fixture.js';
import { waitFor } from '../support/wait.js';

const httpUrl = (wsUrl: string, path: string): string => `${wsUrl.replace(/^ws/, 'http')}${path}`;

describe('PostgreSQL restarted mid-session', function () {
  this.timeout(90_000);
  let server: PrivatePostgres;
  let relay: Relay | undefined;
  let dataDir: string;
  before(async () => {
    server = await startPrivatePostgres();
    dataDir = mkdtempSync(join(tmpdir(), 'enclave-relay-'));
  });
  after(async () => {
    await relay?.close();
    await server?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses writes while it is down, loses nothing acknowledged, and recovers without a relay restart', async () => {
    const database = await server.createDatabase();
    const admin = await generateIdentity('Admin');
    const editor = await generateIdentity('Ed');
    relay = createRelay({ dataDir, storageUrl: database, admins: [admin.publicKey], logger: silentLogger });
    const { url } = await relay.listen();
    const health = async (): Promise<{ status: number; body: { status: string; storage: unknown } }> => {
      const response = await fetch(httpUrl(url, '/healthz'));
      return { status: response.status, body: (await response.json()) as { status: string; storage: unknown } };
    };
    assert.deepEqual((await health()).body.storage, { engine: 'postgres', state: 'ok' });

    await createSpace(url, admin, 'team', [{ identity: editor, role: 'editor' }]);
    const room = { space: 'team', document: 'notes.md' };
    const writer = await openDocument(url, editor, room, { create: 'draft', reconnect: true });
    const watcher = await openDocument(url, editor, room, { reconnect: true });
    const text = (peer: { doc: Y.Doc }): string => peer.doc.getText('source').toString();
    writer.doc.getText('source').insert(0, 'acknowledged. ');
    await writer.session.flush();
    await waitFor(() => text(watcher) === 'acknowledged. ', 'the watcher has the stored edit');

    const closes: { code: number; reason: string }[] = [];
    writer.connection.on('closed', (info) => closes.push({ code: info.code, reason: info.reason }));
    await server.stop();
    writer.doc.getText('source').insert(text(writer).length, 'while down. ');
    await waitFor(
      () => closes.some((c) => c.code === CloseCode.InternalError && /storage unavailable/.test(c.reason)),
      'the writer is told its edit could not be stored',
    );
    assert.equal(text(watcher), 'acknowledged. ', 'nothing unstored was forwarded');
    const down = await health();
    assert.deepEqual(
      [down.status, down.body.status, down.body.storage],
      [503, 'storage-down', { engine: 'postgres', state: 'down' }],
    );

    await server.start();
    await waitFor(
      () => text(watcher) === 'acknowledged. while down. ',
      'the edit arrives once storage is back',
      30_000,
    );
    writer.doc.getText('source').insert(text(writer).length, 'after.');
    await writer.session.flush();
    await waitFor(() => text(watcher) === text(writer), 'later edits flow again');
    assert.equal((await health()).status, 200);
    const metrics = await (await fetch(httpUrl(url, '/metrics'))).text();
    assert.match(metrics, /enclave_storage_errors_total\{operation="appendUpdates",kind="unavailable"\} [1-9]/);
    writer.close();
    watcher.close();

    // What PostgreSQL holds, read by another client of the database: all of it, once each.
    const reader = await PostgresStorage.open(database);
    try {
      const state = await reader.loadDocument('team', 'notes.md');
      const stored = new Y.Doc();
      if (state.snapshot) Y.applyUpdate(stored, state.snapshot);
      state.updates.forEach((u) => Y.applyUpdate(stored, u));
      assert.equal(stored.getText('source').toString(), 'acknowledged. while down. after.');
    } finally {
      await reader.close();
    }
  });
});
