/**
 * The SQLite schema, and the upgrade of databases written by earlier relays. One version number for the
 * whole file: a relay refuses a database from a newer relay rather than guess at it.
 */
import type Database from 'better-sqlite3';

export const SCHEMA_VERSION = 7;

const TABLES = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS spaces (
  name TEXT PRIMARY KEY, created TEXT NOT NULL, created_by TEXT NOT NULL, sealed INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS members (
  space TEXT NOT NULL REFERENCES spaces(name), public_key TEXT NOT NULL, name TEXT NOT NULL,
  role TEXT NOT NULL, since TEXT NOT NULL, granted_by TEXT, PRIMARY KEY (space, public_key));
CREATE TABLE IF NOT EXISTS audit (
  space TEXT NOT NULL, seq INTEGER NOT NULL, time TEXT NOT NULL, event TEXT NOT NULL, actor TEXT,
  subject TEXT, role TEXT, room TEXT, reason TEXT, count INTEGER, since TEXT, actor_name TEXT, subject_name TEXT,
  PRIMARY KEY (space, seq)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS invites (
  space TEXT NOT NULL REFERENCES spaces(name), id TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL, created TEXT NOT NULL, expires TEXT NOT NULL, created_by TEXT NOT NULL,
  used_by TEXT, used_at TEXT, revoked_at TEXT, PRIMARY KEY (space, id));
CREATE TABLE IF NOT EXISTS access_requests (
  space TEXT NOT NULL REFERENCES spaces(name), id TEXT NOT NULL, public_key TEXT NOT NULL, name TEXT NOT NULL,
  message TEXT NOT NULL, created TEXT NOT NULL, status TEXT NOT NULL, resolved_by TEXT, resolved_at TEXT,
  via TEXT, PRIMARY KEY (space, id));
CREATE TABLE IF NOT EXISTS agreements (
  space TEXT NOT NULL REFERENCES spaces(name), version INTEGER NOT NULL, hash TEXT NOT NULL, text TEXT NOT NULL,
  set_by TEXT NOT NULL, created TEXT NOT NULL, PRIMARY KEY (space, version));
CREATE TABLE IF NOT EXISTS agreement_signatures (
  space TEXT NOT NULL, version INTEGER NOT NULL, hash TEXT NOT NULL, public_key TEXT NOT NULL,
  signature TEXT NOT NULL, signed TEXT NOT NULL, PRIMARY KEY (space, version, public_key),
  FOREIGN KEY (space, version) REFERENCES agreements (space, version));
CREATE TABLE IF NOT EXISTS set_aside (
  id INTEGER PRIMARY KEY, space TEXT NOT NULL, document TEXT NOT NULL, kind TEXT NOT NULL, seq INTEGER NOT NULL,
  data BLOB NOT NULL, reason TEXT NOT NULL, time TEXT NOT NULL);
`;

/**
 * Documents get a small integer id so that the journal's rows stay small. The journal has no index on
 * purpose: every append lands on its last page, so a commit of any number of updates, for any number of
 * documents, writes one or two pages. A document's rows are found by a range scan from its snapshot's
 * sequence number (see sqlite-update-journal.ts).
 */
const DOCUMENT_TABLES = `
CREATE TABLE IF NOT EXISTS documents (
  id INTEGER PRIMARY KEY, space TEXT NOT NULL REFERENCES spaces(name), name TEXT NOT NULL, kind TEXT NOT NULL,
  schema_version INTEGER NOT NULL, created TEXT NOT NULL, snapshot BLOB, snapshot_seq INTEGER NOT NULL DEFAULT 0,
  UNIQUE (space, name));
CREATE TABLE IF NOT EXISTS journal (seq INTEGER PRIMARY KEY, document INTEGER NOT NULL, data BLOB NOT NULL);
`;

/**
 * A sealed space's epochs (one row each, numbered 1, 2, ... without gaps: Storage.rotateEpoch) and its
 * content keys wrapped to members. The relay cannot read a wrapped key; it only hands it to its member.
 */
const SEALED_TABLES = `
CREATE TABLE IF NOT EXISTS epochs (
  space TEXT NOT NULL REFERENCES spaces(name), epoch INTEGER NOT NULL, created_by TEXT NOT NULL,
  created TEXT NOT NULL, PRIMARY KEY (space, epoch)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS wrapped_keys (
  space TEXT NOT NULL, epoch INTEGER NOT NULL, public_key TEXT NOT NULL, wrapped BLOB NOT NULL,
  wrapped_by TEXT NOT NULL, created TEXT NOT NULL, PRIMARY KEY (space, epoch, public_key),
  FOREIGN KEY (space, epoch) REFERENCES epochs (space, epoch));
`;

/**
 * Schema 7: a sealed space's membership chain, statements signed by leads (numbered 1, 2, ... without gaps:
 * Storage.appendChainStatement), kept as the JSON text received. Earlier databases start with no chain.
 */
const CHAIN_TABLE = `
CREATE TABLE IF NOT EXISTS membership_chain (
  space TEXT NOT NULL REFERENCES spaces(name), seq INTEGER NOT NULL, statement TEXT NOT NULL,
  PRIMARY KEY (space, seq)) WITHOUT ROWID;
`;
/**
 * The relay's directory (schema 6): a space's listing as its lead signed it, members hidden from visitors'
 * hints, and an index to find the spaces one key belongs to (for those hints).
 */
const DIRECTORY_TABLES = `
CREATE TABLE IF NOT EXISTS listings (
  space TEXT PRIMARY KEY REFERENCES spaces(name), title TEXT NOT NULL, description TEXT NOT NULL,
  expectations TEXT NOT NULL, show_agreement INTEGER NOT NULL, listed_by TEXT NOT NULL, listed_at TEXT NOT NULL,
  signature TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS hidden_from_hints (
  space TEXT NOT NULL REFERENCES spaces(name), public_key TEXT NOT NULL, PRIMARY KEY (space, public_key))
  WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS members_by_key ON members (public_key);
`;
/** Schema 6 and earlier kept no invite admission proofs (sealed spaces' membership chain, schema 7). */
const INVITES_PROOF_COLUMN = `
ALTER TABLE invites ADD COLUMN used_proof TEXT;
`;

/** Schema 5 and earlier did not say where an access request came from. */
const ACCESS_REQUESTS_VIA_COLUMN = `
ALTER TABLE access_requests ADD COLUMN via TEXT;
`;
/** Version 4 databases written before sealed spaces (and every older one) lack this column. */
const SPACES_SEALED_COLUMN = `
ALTER TABLE spaces ADD COLUMN sealed INTEGER NOT NULL DEFAULT 0;
`;
/** Sealed spaces' documents carry their real name sealed; earlier databases lack the column. */
const DOCUMENTS_SEALED_NAME_COLUMN = `
ALTER TABLE documents ADD COLUMN sealed_name BLOB;
`;

/**
 * Refusals are counted per window (Storage.recordRefusal): this index finds a space's current window's
 * entries, however long its log. Schema 3 and earlier had no count or since (old refusals keep them null).
 */
const AUDIT_REFUSALS_INDEX = `
CREATE INDEX IF NOT EXISTS audit_refusals ON audit (space, since) WHERE event = 'refused';
`;
const AUDIT_FROM_VERSION_3 = `
ALTER TABLE audit ADD COLUMN count INTEGER;
ALTER TABLE audit ADD COLUMN since TEXT;
`;
/** Schema 4 and earlier kept no names in the audit log (their entries are named from the access list). */
const AUDIT_FROM_VERSION_4 = `
ALTER TABLE audit ADD COLUMN actor_name TEXT;
ALTER TABLE audit ADD COLUMN subject_name TEXT;
`;

/**
 * Schema 2 kept updates in an indexed `updates` table keyed by (space, document) text. Its rows move to
 * the journal with their sequence numbers, so every snapshot's `snapshot_seq` keeps its meaning.
 */
const FROM_VERSION_2 = `
ALTER TABLE documents RENAME TO documents_v2;
${DOCUMENT_TABLES}
INSERT INTO documents (space, name, kind, schema_version, created, snapshot, snapshot_seq)
  SELECT space, name, kind, schema_version, created, snapshot, snapshot_seq FROM documents_v2 ORDER BY space, name;
INSERT INTO journal (seq, document, data)
  SELECT u.seq, d.id, u.data FROM updates u JOIN documents d ON d.space = u.space AND d.name = u.document
  WHERE u.seq > d.snapshot_seq ORDER BY u.seq;
DROP TABLE updates;
DROP TABLE documents_v2;
`;

/** Creates the tables, or upgrades an older database in one transaction. */
export function prepareSchema(db: Database.Database, file: string): void {
  const hasMeta = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get();
  const row = hasMeta
    ? (db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: string } | undefined)
    : undefined;
  const found = row ? Number(row.value) : undefined;
  if (found !== undefined && found > SCHEMA_VERSION) {
    throw new Error(
      `${file} was written by a newer relay (storage schema ${found}; this relay reads up to ${SCHEMA_VERSION})`,
    );
  }
  // Foreign keys are checked per statement; a table rebuild must run with them off (SQLite's own advice).
  db.pragma('foreign_keys = OFF');
  db.transaction(() => {
    db.exec(TABLES);
    const hasOldUpdates = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'updates'").get();
    db.exec(hasOldUpdates ? FROM_VERSION_2 : DOCUMENT_TABLES);
    const auditColumns = db.prepare('SELECT name FROM pragma_table_info(?)').all('audit') as { name: string }[];
    if (!auditColumns.some((c) => c.name === 'count')) db.exec(AUDIT_FROM_VERSION_3);
    if (!auditColumns.some((c) => c.name === 'actor_name')) db.exec(AUDIT_FROM_VERSION_4);
    db.exec(AUDIT_REFUSALS_INDEX);
    if (!columnNames(db, 'spaces').includes('sealed')) db.exec(SPACES_SEALED_COLUMN);
    if (!columnNames(db, 'documents').includes('sealed_name')) db.exec(DOCUMENTS_SEALED_NAME_COLUMN);
    db.exec(SEALED_TABLES);
    db.exec(CHAIN_TABLE);
    if (!columnNames(db, 'invites').includes('used_proof')) db.exec(INVITES_PROOF_COLUMN);
    if (!columnNames(db, 'access_requests').includes('via')) db.exec(ACCESS_REQUESTS_VIA_COLUMN);
    db.exec(DIRECTORY_TABLES);
    db.prepare(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    ).run('schema_version', String(SCHEMA_VERSION));
  })();
  db.pragma('foreign_keys = ON');
}

function columnNames(db: Database.Database, table: string): string[] {
  return (db.prepare('SELECT name FROM pragma_table_info(?)').all(table) as { name: string }[]).map((c) => c.name);
}
