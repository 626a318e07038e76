/**
 * The embedded default: SQLite through better-sqlite3 (v12: v13 needs Node 22), in WAL mode.
 * better-sqlite3 is synchronous, so each write is on disk (in the WAL) when the promise resolves: a killed
 * relay process loses nothing it acknowledged. `synchronous=FULL` adds power-loss safety at a cost;
 * NORMAL is the default, which survives process crashes.
 */
import Database from 'better-sqlite3';
import type { AuditEntry, DocumentKind, PublicKeyText, Role } from '@enclave/shared';
import {
  type DocumentRecord,
  type MemberRecord,
  type NewAuditEntry,
  type SpaceRecord,
  type Storage,
  StorageConflict,
  type StoredDocumentState,
  StorageNotFound,
} from './storage.js';

const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS spaces (
  name TEXT PRIMARY KEY, created TEXT NOT NULL, created_by TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS members (
  space TEXT NOT NULL REFERENCES spaces(name), public_key TEXT NOT NULL, name TEXT NOT NULL,
  role TEXT NOT NULL, since TEXT NOT NULL, granted_by TEXT, PRIMARY KEY (space, public_key));
CREATE TABLE IF NOT EXISTS documents (
  space TEXT NOT NULL REFERENCES spaces(name), name TEXT NOT NULL, kind TEXT NOT NULL,
  schema_version INTEGER NOT NULL, created TEXT NOT NULL,
  snapshot BLOB, snapshot_seq INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (space, name));
CREATE TABLE IF NOT EXISTS updates (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, space TEXT NOT NULL, document TEXT NOT NULL, data BLOB NOT NULL,
  FOREIGN KEY (space, document) REFERENCES documents (space, name));
CREATE INDEX IF NOT EXISTS updates_by_document ON updates (space, document, seq);
CREATE TABLE IF NOT EXISTS audit (
  space TEXT NOT NULL, seq INTEGER NOT NULL, time TEXT NOT NULL, event TEXT NOT NULL, actor TEXT,
  subject TEXT, role TEXT, room TEXT, reason TEXT, PRIMARY KEY (space, seq)) WITHOUT ROWID;
`;

interface MemberRow {
  public_key: string;
  name: string;
  role: string;
  since: string;
  granted_by: string | null;
}
interface DocumentRow {
  name: string;
  kind: string;
  schema_version: number;
  created: string;
}
interface AuditRow {
  seq: number;
  time: string;
  event: string;
  actor: string | null;
  subject: string | null;
  role: string | null;
  room: string | null;
  reason: string | null;
}

export interface SqliteStorageOptions {
  /** `FULL` survives power loss, `NORMAL` (default) survives process crashes. */
  readonly synchronous?: 'NORMAL' | 'FULL';
}

export class SqliteStorage implements Storage {
  private readonly db: Database.Database;
  private readonly statements;

  constructor(file: string, options: SqliteStorageOptions = {}) {
    this.db = new Database(file);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`);
    this.db.pragma('foreign_keys = ON');
    this.db.exec(SCHEMA);
    const version = this.db.prepare('SELECT value FROM meta WHERE key = ?').get('schema_version') as
      { value: string } | undefined;
    if (!version) {
      this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('schema_version', String(SCHEMA_VERSION));
    } else if (Number(version.value) > SCHEMA_VERSION) {
      this.db.close();
      throw new Error(`${file} was written by a newer relay (storage schema ${version.value})`);
    }
    const db = this.db;
    this.statements = {
      insertSpace: db.prepare('INSERT INTO spaces (name, created, created_by) VALUES (?, ?, ?)'),
      getSpace: db.prepare('SELECT name, created, created_by FROM spaces WHERE name = ?'),
      putMember: db.prepare(
        `INSERT INTO members (space, public_key, name, role, since, granted_by) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (space, public_key) DO UPDATE SET name = excluded.name, role = excluded.role,
         since = excluded.since, granted_by = excluded.granted_by`,
      ),
      getMember: db.prepare('SELECT * FROM members WHERE space = ? AND public_key = ?'),
      listMembers: db.prepare('SELECT * FROM members WHERE space = ? ORDER BY since, public_key'),
      removeMember: db.prepare('DELETE FROM members WHERE space = ? AND public_key = ?'),
      insertDocument: db.prepare(
        'INSERT INTO documents (space, name, kind, schema_version, created) VALUES (?, ?, ?, ?, ?)',
      ),
      getDocument: db.prepare('SELECT name, kind, schema_version, created FROM documents WHERE space = ? AND name = ?'),
      listDocuments: db.prepare(
        'SELECT name, kind, schema_version, created FROM documents WHERE space = ? ORDER BY name',
      ),
      appendUpdate: db.prepare('INSERT INTO updates (space, document, data) VALUES (?, ?, ?)'),
      getSnapshot: db.prepare('SELECT snapshot, snapshot_seq FROM documents WHERE space = ? AND name = ?'),
      listUpdates: db.prepare('SELECT seq, data FROM updates WHERE space = ? AND document = ? ORDER BY seq'),
      setSnapshot: db.prepare('UPDATE documents SET snapshot = ?, snapshot_seq = ? WHERE space = ? AND name = ?'),
      deleteUpdates: db.prepare('DELETE FROM updates WHERE space = ? AND document = ? AND seq <= ?'),
      lastAuditSeq: db.prepare('SELECT COALESCE(MAX(seq), 0) AS seq FROM audit WHERE space = ?'),
      insertAudit: db.prepare(
        `INSERT INTO audit (space, seq, time, event, actor, subject, role, room, reason)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      listAudit: db.prepare('SELECT * FROM audit WHERE space = ? AND seq > ? ORDER BY seq LIMIT ?'),
    };
  }

  async createSpace(space: SpaceRecord, lead: MemberRecord): Promise<void> {
    try {
      this.db.transaction(() => {
        this.statements.insertSpace.run(space.name, space.created, space.createdBy);
        this.insertMember(space.name, lead);
      })();
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
        throw new StorageConflict(`space ${space.name} already exists`);
      }
      throw error;
    }
  }

  async getSpace(name: string): Promise<SpaceRecord | undefined> {
    const row = this.statements.getSpace.get(name) as { name: string; created: string; created_by: string } | undefined;
    return row && { name: row.name, created: row.created, createdBy: row.created_by as PublicKeyText };
  }

  async getMember(space: string, publicKey: string): Promise<MemberRecord | undefined> {
    const row = this.statements.getMember.get(space, publicKey) as MemberRow | undefined;
    return row && toMember(row);
  }

  async listMembers(space: string): Promise<MemberRecord[]> {
    return (this.statements.listMembers.all(space) as MemberRow[]).map(toMember);
  }

  async putMember(space: string, member: MemberRecord): Promise<void> {
    this.insertMember(space, member);
  }

  async removeMember(space: string, publicKey: string): Promise<boolean> {
    return this.statements.removeMember.run(space, publicKey).changes > 0;
  }

  async createDocument(space: string, document: DocumentRecord): Promise<void> {
    try {
      this.statements.insertDocument.run(space, document.name, document.kind, document.schemaVersion, document.created);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw new StorageConflict(`document ${document.name} exists`);
      if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') throw new StorageNotFound(`space ${space} does not exist`);
      throw error;
    }
  }

  async getDocument(space: string, name: string): Promise<DocumentRecord | undefined> {
    const row = this.statements.getDocument.get(space, name) as DocumentRow | undefined;
    return row && toDocument(row);
  }

  async listDocuments(space: string): Promise<DocumentRecord[]> {
    return (this.statements.listDocuments.all(space) as DocumentRow[]).map(toDocument);
  }

  async appendUpdate(space: string, document: string, update: Uint8Array): Promise<number> {
    try {
      return Number(this.statements.appendUpdate.run(space, document, update).lastInsertRowid);
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
        throw new StorageNotFound(`document ${space}/${document} does not exist`);
      }
      throw error;
    }
  }

  async loadDocument(space: string, document: string): Promise<StoredDocumentState> {
    return this.db.transaction(() => {
      const head = this.statements.getSnapshot.get(space, document) as
        { snapshot: Buffer | null; snapshot_seq: number } | undefined;
      if (!head) throw new StorageNotFound(`document ${space}/${document} does not exist`);
      const rows = this.statements.listUpdates.all(space, document) as { seq: number; data: Buffer }[];
      const snapshot = head.snapshot ? new Uint8Array(head.snapshot) : null;
      const updates = rows.map((r) => new Uint8Array(r.data));
      return {
        snapshot,
        updates,
        lastSeq: rows.length > 0 ? rows[rows.length - 1]!.seq : head.snapshot_seq,
        bytes: (snapshot?.length ?? 0) + updates.reduce((n, u) => n + u.length, 0),
      };
    })();
  }

  async compactDocument(space: string, document: string, snapshot: Uint8Array, throughSeq: number): Promise<void> {
    this.db.transaction(() => {
      const result = this.statements.setSnapshot.run(snapshot, throughSeq, space, document);
      if (result.changes === 0) throw new StorageNotFound(`document ${space}/${document} does not exist`);
      this.statements.deleteUpdates.run(space, document, throughSeq);
    })();
  }

  async appendAudit(space: string, entry: NewAuditEntry): Promise<AuditEntry> {
    return this.db.transaction(() => {
      const seq = (this.statements.lastAuditSeq.get(space) as { seq: number }).seq + 1;
      const stored: AuditEntry = { ...entry, seq, time: entry.time ?? new Date().toISOString() };
      this.statements.insertAudit.run(
        space,
        seq,
        stored.time,
        stored.event,
        stored.actor,
        stored.subject ?? null,
        stored.role ?? null,
        stored.room ?? null,
        stored.reason ?? null,
      );
      return stored;
    })();
  }

  async listAudit(space: string, after: number, limit: number): Promise<AuditEntry[]> {
    return (this.statements.listAudit.all(space, after, limit) as AuditRow[]).map(toAudit);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  private insertMember(space: string, m: MemberRecord): void {
    this.statements.putMember.run(space, m.publicKey, m.name, m.role, m.since, m.grantedBy);
  }
}

function toMember(row: MemberRow): MemberRecord {
  return {
    publicKey: row.public_key as PublicKeyText,
    name: row.name,
    role: row.role as Role,
    since: row.since,
    grantedBy: row.granted_by as PublicKeyText | null,
  };
}

function toDocument(row: DocumentRow): DocumentRecord {
  return { name: row.name, kind: row.kind as DocumentKind, schemaVersion: row.schema_version, created: row.created };
}

function toAudit(row: AuditRow): AuditEntry {
  const entry: Record<string, unknown> = { seq: row.seq, time: row.time, event: row.event, actor: row.actor };
  if (row.subject !== null) entry['subject'] = row.subject;
  if (row.role !== null) entry['role'] = row.role;
  if (row.room !== null) entry['room'] = row.room;
  if (row.reason !== null) entry['reason'] = row.reason;
  return entry as unknown as AuditEntry;
}
