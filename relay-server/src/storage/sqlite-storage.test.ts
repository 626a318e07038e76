import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import * as Y from 'yjs';
import type { PublicKeyText } from '@enclave/shared';
import { SqliteStorage, type SqliteStorageOptions } from './sqlite-storage.js';
import { SCHEMA_VERSION } from './sqlite-schema.js';
import { describeStorageConformance } from './storage-conformance.js';

const folders: string[] = [];
let file = '';
after(() => folders.forEach((f) => rmSync(f, { recursive: true, force: true })));

function freshFile(): string {
  const folder = mkdtempSync(join(tmpdir(), 'enclave-sqlite-'));
  folders.push(folder);
  return join(folder, 'enclave.sqlite');
}

describeStorageConformance('sqlite', {
  create: async () => {
    file = freshFile();
    return new SqliteStorage(file);
  },
  reopen: async () => new SqliteStorage(file),
});

const LEAD = 'ed25519:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' as PublicKeyText;
const now = '2026-01-01T00:00:00.000Z';

/** Every update a sequence of text appends produces, in order. */
function textUpdates(words: string[]): { doc: Y.Doc; updates: Uint8Array[] } {
  const doc = new Y.Doc();
  const updates: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array) => updates.push(u));
  for (const word of words) doc.getText('t').insert(doc.getText('t').length, word);
  return { doc, updates };
}

function journalRows(path: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare('SELECT COUNT(*) AS n FROM journal').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

/** A new SQLite storage at `path` holding the space 'team'. */
async function storageWithSpace(path: string, options: SqliteStorageOptions = {}): Promise<SqliteStorage> {
  const storage = new SqliteStorage(path, options);
  await storage.createSpace(
    { name: 'team', created: now, createdBy: LEAD },
    { publicKey: LEAD, name: 'L', role: 'lead', since: now, grantedBy: null },
  );
  return storage;
}

describe('SqliteStorage (engine specifics)', () => {
  it('refuses a second process on the same database with a clear reason, and lets it in once closed', async () => {
    const path = freshFile();
    const first = await storageWithSpace(path);
    assert.throws(
      () => new SqliteStorage(path),
      /in use by another process \(is another relay running on this data folder\?\)/,
    );
    await first.close();
    const second = new SqliteStorage(path);
    assert.equal((await second.getSpace('team'))?.name, 'team');
    await second.close();
  });

  it('empties the journal once every document has folded its updates into a snapshot', async () => {
    const path = freshFile();
    const storage = await storageWithSpace(path);
    const docs = ['a', 'b', 'c'].map((name) => ({ name, ...textUpdates(['x', 'y', 'z'].map((w) => `${name}${w} `)) }));
    const last = new Map<string, number>();
    for (const d of docs)
      await storage.createDocument('team', { name: d.name, kind: 'draft', schemaVersion: 1, created: now });
    for (let i = 0; i < 3; i++)
      for (const d of docs) last.set(d.name, await storage.appendUpdate('team', d.name, d.updates[i]!));
    // Two of three compacted: the third document's rows still pin the journal.
    for (const d of docs.slice(0, 2))
      await storage.compactDocument('team', d.name, Y.encodeStateAsUpdate(d.doc), last.get(d.name)!);
    await storage.close();
    assert.ok(journalRows(path) >= 3, 'the uncompacted document keeps its rows');
    const reopened = new SqliteStorage(path);
    const c = docs[2]!;
    await reopened.compactDocument('team', 'c', Y.encodeStateAsUpdate(c.doc), last.get('c')!);
    await reopened.close();
    assert.equal(journalRows(path), 0);
    const again = new SqliteStorage(path);
    for (const d of docs) {
      const state = await again.loadDocument('team', d.name);
      const rebuilt = new Y.Doc();
      Y.applyUpdate(rebuilt, state.snapshot!);
      assert.equal(rebuilt.getText('t').toString(), `${d.name}x ${d.name}y ${d.name}z `);
      assert.equal(state.updates.length, 0);
    }
    await again.close();
  });

  it('commits a burst of updates from many documents together, in order, and keeps them all', async () => {
    const path = freshFile();
    const storage = await storageWithSpace(path);
    const names = Array.from({ length: 7 }, (_, i) => `d${i}.md`);
    for (const name of names)
      await storage.createDocument('team', { name, kind: 'draft', schemaVersion: 1, created: now });
    const words = Array.from({ length: 100 }, (_, i) => `w${i} `);
    const sources = new Map(names.map((name) => [name, textUpdates(words)]));
    // 700 appends in one event-loop turn: one group commit of several statements.
    const seqs = await Promise.all(
      words.flatMap((_, i) => names.map((name) => storage.appendUpdate('team', name, sources.get(name)!.updates[i]!))),
    );
    assert.deepEqual(
      seqs,
      [...seqs].sort((a, b) => a - b),
    );
    assert.equal(new Set(seqs).size, 700);
    await storage.close();
    const reopened = new SqliteStorage(path);
    for (const name of names) {
      const state = await reopened.loadDocument('team', name);
      assert.equal(state.updates.length, 100);
      const rebuilt = new Y.Doc();
      state.updates.forEach((u) => Y.applyUpdate(rebuilt, u));
      assert.equal(rebuilt.getText('t').toString(), words.join(''));
    }
    await reopened.close();
  });

  it('with a commit window, holds updates until the window closes and commits those of the window together', async () => {
    const path = freshFile();
    const storage = await storageWithSpace(path, { commitWindowMs: 150 });
    await storage.createDocument('team', { name: 'w.md', kind: 'draft', schemaVersion: 1, created: now });
    const { doc, updates } = textUpdates(['one ', 'two ', 'three']);
    const started = performance.now();
    const first = storage.appendUpdate('team', 'w.md', updates[0]!);
    await new Promise((resolve) => setTimeout(resolve, 30));
    const rest = Promise.all(updates.slice(1).map((u) => storage.appendUpdate('team', 'w.md', u)));
    const firstSeq = await first;
    const storedAfterMs = performance.now() - started;
    // Timers may run late, never early: not before the window closed.
    assert.ok(storedAfterMs >= 145, `first update stored after ${storedAfterMs.toFixed(0)} ms`);
    // The later two were in the same commit: settled before anything else could run.
    const later = await Promise.race([rest, new Promise<'later'>((resolve) => setImmediate(() => resolve('later')))]);
    assert.notEqual(later, 'later', 'the updates of the window were stored with the first');
    assert.deepEqual(later, [firstSeq + 1, firstSeq + 2]);
    await storage.close();
    const reopened = new SqliteStorage(path);
    const rebuilt = new Y.Doc();
    (await reopened.loadDocument('team', 'w.md')).updates.forEach((u) => Y.applyUpdate(rebuilt, u));
    assert.equal(rebuilt.getText('t').toString(), doc.getText('t').toString());
    await reopened.close();
  });

  it('upgrades a database written by a schema-2 relay without losing an update', async () => {
    const path = freshFile();
    const { doc, updates } = textUpdates(['kept ', 'after ', 'snapshot']);
    const old = new Database(path);
    // The tables schema 2 kept documents and updates in (the others did not change).
    old.exec(`
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      INSERT INTO meta VALUES ('schema_version', '2');
      CREATE TABLE spaces (name TEXT PRIMARY KEY, created TEXT NOT NULL, created_by TEXT NOT NULL);
      CREATE TABLE documents (
        space TEXT NOT NULL REFERENCES spaces(name), name TEXT NOT NULL, kind TEXT NOT NULL,
        schema_version INTEGER NOT NULL, created TEXT NOT NULL,
        snapshot BLOB, snapshot_seq INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (space, name));
      CREATE TABLE updates (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, space TEXT NOT NULL, document TEXT NOT NULL, data BLOB NOT NULL,
        FOREIGN KEY (space, document) REFERENCES documents (space, name));
      CREATE INDEX updates_by_document ON updates (space, document, seq);`);
    old.prepare('INSERT INTO spaces VALUES (?, ?, ?)').run('team', now, LEAD);
    const snapshotDoc = new Y.Doc();
    Y.applyUpdate(snapshotDoc, updates[0]!);
    old
      .prepare('INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run('team', 'notes.md', 'draft', 1, now, Y.encodeStateAsUpdate(snapshotDoc), 7);
    old.prepare('INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?)').run('team', 'empty.md', 'draft', 1, now, null, 0);
    const insert = old.prepare('INSERT INTO updates (seq, space, document, data) VALUES (?, ?, ?, ?)');
    insert.run(7, 'team', 'notes.md', updates[0]); // already in the snapshot
    insert.run(8, 'team', 'notes.md', updates[1]);
    insert.run(9, 'team', 'notes.md', updates[2]);
    old.close();

    const storage = new SqliteStorage(path);
    const state = await storage.loadDocument('team', 'notes.md');
    assert.equal(state.lastSeq, 9);
    const rebuilt = new Y.Doc();
    Y.applyUpdate(rebuilt, state.snapshot!);
    state.updates.forEach((u) => Y.applyUpdate(rebuilt, u));
    assert.equal(rebuilt.getText('t').toString(), doc.getText('t').toString());
    assert.deepEqual(
      (await storage.listDocuments('team')).map((d) => d.name),
      ['empty.md', 'notes.md'],
    );
    assert.ok((await storage.appendUpdate('team', 'empty.md', updates[0]!)) > 9, 'numbering continues');
    await storage.close();
    const check = new Database(path, { readonly: true });
    assert.equal(
      check.prepare("SELECT value FROM meta WHERE key = 'schema_version'").pluck().get(),
      String(SCHEMA_VERSION),
    );
    assert.equal(check.prepare("SELECT COUNT(*) FROM sqlite_master WHERE name = 'updates'").pluck().get(), 0);
    check.close();
  });

  it('upgrades a schema-3 audit log: old refusals stay, new ones are counted', async () => {
    const path = freshFile();
    await new SqliteStorage(path).close();
    const old = new Database(path);
    // Schema 3's audit table: no count, no since, no refusal index.
    old.exec(`
      DROP INDEX audit_refusals; DROP TABLE audit;
      CREATE TABLE audit (
        space TEXT NOT NULL, seq INTEGER NOT NULL, time TEXT NOT NULL, event TEXT NOT NULL, actor TEXT,
        subject TEXT, role TEXT, room TEXT, reason TEXT, PRIMARY KEY (space, seq)) WITHOUT ROWID;
      UPDATE meta SET value = '3' WHERE key = 'schema_version';`);
    old.prepare('INSERT INTO spaces (name, created, created_by) VALUES (?, ?, ?)').run('team', now, LEAD);
    old
      .prepare("INSERT INTO audit (space, seq, time, event, actor, reason) VALUES ('team', 1, ?, 'refused', ?, ?)")
      .run(now, LEAD, 'not a member');
    old.close();

    const storage = new SqliteStorage(path);
    const aggregation = { windowMs: 3_600_000, entriesPerWindow: 10 };
    await storage.recordRefusal('team', { actor: LEAD, room: 'team', reason: 'not a member', time: now }, aggregation);
    await storage.recordRefusal('team', { actor: LEAD, room: 'team', reason: 'not a member', time: now }, aggregation);
    assert.deepEqual(
      (await storage.listAudit('team', 0, 10)).map((e) => [e.seq, e.count]),
      [
        [1, undefined],
        [3, 2],
      ],
    );
    await storage.close();
  });

  it('upgrades a schema-4 database written before sealed spaces: spaces stay plain, sealed ones can follow', async () => {
    const path = freshFile();
    await new SqliteStorage(path).close();
    const old = new Database(path);
    // Version 4 as first written: no sealed column, no epochs or wrapped keys.
    old.exec('DROP TABLE wrapped_keys; DROP TABLE epochs; ALTER TABLE spaces DROP COLUMN sealed;');
    old.prepare('INSERT INTO spaces VALUES (?, ?, ?)').run('old', now, LEAD);
    old.prepare("INSERT INTO members VALUES ('old', ?, 'L', 'lead', ?, NULL)").run(LEAD, now);
    old.close();

    const storage = new SqliteStorage(path);
    assert.deepEqual(await storage.getSpace('old'), { name: 'old', created: now, createdBy: LEAD });
    await storage.createSpace(
      { name: 'vault', created: now, createdBy: LEAD, sealed: true },
      { publicKey: LEAD, name: 'L', role: 'lead', since: now, grantedBy: null },
    );
    const key = { epoch: 1, publicKey: LEAD, wrapped: new Uint8Array([1, 2, 3]), wrappedBy: LEAD, created: now };
    await storage.rotateEpoch('vault', { epoch: 1, by: LEAD, created: now, keys: [key] });
    await storage.close();
    const reopened = new SqliteStorage(path);
    assert.equal((await reopened.getSpace('vault'))?.sealed, true);
    assert.deepEqual(await reopened.listWrappedKeys('vault', LEAD), [key]);
    await reopened.close();
  });

  it('upgrades a schema-4 audit log: old entries stay unnamed, new ones keep their names', async () => {
    const path = freshFile();
    await new SqliteStorage(path).close();
    const old = new Database(path);
    // Schema 4's audit table: no actor_name, no subject_name.
    old.exec(`
      DROP INDEX audit_refusals; DROP TABLE audit;
      CREATE TABLE audit (
        space TEXT NOT NULL, seq INTEGER NOT NULL, time TEXT NOT NULL, event TEXT NOT NULL, actor TEXT,
        subject TEXT, role TEXT, room TEXT, reason TEXT, count INTEGER, since TEXT,
        PRIMARY KEY (space, seq)) WITHOUT ROWID;
      UPDATE meta SET value = '4' WHERE key = 'schema_version';`);
    old.prepare('INSERT INTO spaces (name, created, created_by) VALUES (?, ?, ?)').run('team', now, LEAD);
    old.prepare("INSERT INTO audit (space, seq, time, event, actor) VALUES ('team', 1, ?, 'joined', ?)").run(now, LEAD);
    old.close();

    const storage = new SqliteStorage(path);
    await storage.appendAudit('team', { event: 'joined', actor: LEAD, actorName: 'Ada' });
    assert.deepEqual(
      (await storage.listAudit('team', 0, 10)).map((e) => [e.seq, e.actorName]),
      [
        [1, undefined],
        [2, 'Ada'],
      ],
    );
    await storage.close();
  });

  it('refuses a database from a newer relay', () => {
    const path = freshFile();
    const db = new Database(path);
    db.exec(
      "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL); INSERT INTO meta VALUES ('schema_version', '99')",
    );
    db.close();
    assert.throws(() => new SqliteStorage(path), /written by a newer relay \(storage schema 99/);
  });
});
