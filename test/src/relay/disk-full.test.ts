/**
 * A full disk loses nothing: when SQLite cannot store an update, the relay forwards nothing, disconnects the
 * document's peers (4500) and reloads from storage; the clients keep their edits, reconnect by themselves,
 * and once space is free again everything is stored. Uses a real 2 MiB tmpfs as the data folder.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloseCode, generateIdentity } from '@enclave/shared';
import { createRelay, DATABASE_FILE, silentLogger, SqliteStorage } from '@enclave/relay';
import * as Y from 'yjs';
import { createSpace, openDocument } from '../support/relay-fixture.js';
import { waitFor } from '../support/wait.js';

function mountTmpfs(dir: string, size: string, remount = false): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `${remount ? 'remount,' : ''}size=${size}`, 'tmpfs', dir], {
      stdio: 'ignore',
    });
    return true;
  } catch {
    return false;
  }
}

describe('a full disk', function () {
  this.timeout(60_000);
  let base: string;
  let data: string;

  before(function () {
    base = mkdtempSync(join(tmpdir(), 'enclave-full-'));
    data = join(base, 'data');
    mkdirSync(data);
    if (!mountTmpfs(data, '2m')) this.skip(); // needs root (CI and the dev machines run as root)
  });
  after(() => {
    try {
      execFileSync('umount', [data], { stdio: 'ignore' });
    } catch {
      /* not mounted */
    }
    rmSync(base, { recursive: true, force: true });
  });

  it('refuses to forward what it cannot store, and stores it all once space is back', async () => {
    const admin = await generateIdentity('Admin');
    const editor = await generateIdentity('Ed');
    const relay = createRelay({ dataDir: data, admins: [admin.publicKey], logger: silentLogger });
    const { url } = await relay.listen();
    try {
      await createSpace(url, admin, 'team', [{ identity: editor, role: 'editor' }]);
      const room = { space: 'team', document: 'big.md' };
      const writer = await openDocument(url, editor, room, { create: 'draft', reconnect: true });
      const watcher = await openDocument(url, editor, room, { reconnect: true });
      writer.doc.getText('source').insert(0, 'small start. ');
      await writer.session.flush();

      const closes: number[] = [];
      writer.connection.on('closed', (info) => closes.push(info.code));
      const chunk = 'x'.repeat(64 * 1024);
      for (let i = 0; i < 48; i++) writer.doc.getText('source').insert(writer.doc.getText('source').length, chunk); // 3 MiB
      await waitFor(() => closes.includes(CloseCode.InternalError), 'the writer is told storage failed', 20_000);
      // Nothing was forwarded that is not on disk: what the watcher has is at most what storage holds.
      const forwarded = watcher.doc.getText('source').length;
      // The relay holds the database file exclusively; a copy of it and its WAL is what a crash would leave.
      const copy = join(base, 'copy.sqlite');
      copyFileSync(join(data, DATABASE_FILE), copy);
      if (existsSync(join(data, `${DATABASE_FILE}-wal`)))
        copyFileSync(join(data, `${DATABASE_FILE}-wal`), `${copy}-wal`);
      const storage = new SqliteStorage(copy);
      const stored = await storage.loadDocument('team', 'big.md');
      await storage.close();
      const onDisk = new Y.Doc();
      if (stored.snapshot) Y.applyUpdate(onDisk, stored.snapshot);
      stored.updates.forEach((u) => Y.applyUpdate(onDisk, u));
      assert.ok(
        forwarded <= onDisk.getText('source').length,
        `forwarded ${forwarded} <= stored ${onDisk.getText('source').length}`,
      );
      assert.ok(onDisk.getText('source').length < writer.doc.getText('source').length, 'the disk really was full');

      assert.ok(mountTmpfs(data, '64m', true), 'remount with more space');
      const expected = writer.doc.getText('source').length;
      await waitFor(
        () => watcher.doc.getText('source').length === expected,
        'everything arrives after space is back',
        30_000,
      );
      await writer.session.flush();
      writer.close();
      watcher.close();
      await relay.close();

      const restarted = createRelay({ dataDir: data, admins: [admin.publicKey], logger: silentLogger });
      const again = await restarted.listen();
      const reader = await openDocument(again.url, editor, room);
      assert.equal(reader.doc.getText('source').length, expected, 'all of it is on disk');
      assert.ok(reader.doc.getText('source').toString().startsWith('small start. '));
      reader.close();
      await restarted.close();
    } finally {
      await relay.close();
    }
  });
});
