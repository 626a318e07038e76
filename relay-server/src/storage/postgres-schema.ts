/**
 * The PostgreSQL schema, created or upgraded when a relay starts. A version table says which schema a
 * database holds; a relay refuses a database from a newer relay rather than guess at it. Several relays
 * starting at once on one database take turns (an advisory lock), so the tables are made once.
 *
 * Times are kept as the ISO 8601 text the relay writes (they come back exactly as stored), Yjs updates,
 * snapshots and sealed bytes as bytea. Sequence numbers are per document (documents.last_seq) and per space
 * (spaces.audit_seq): taking the next one locks that row until the transaction ends, so numbers are given
 * in commit order, never twice and without gaps.
 */
import type { PoolClient } from 'pg';

export const POSTGRES_SCHEMA_VERSION = 3;

/** Any constant: the key of the advisory lock that serialises schema changes between relays. */
const SCHEMA_LOCK = 0x656e636c; // 'encl'

const VERSION_1 = `
CREATE TABLE spaces (
  name text PRIMARY KEY, created text NOT NULL, created_by text NOT NULL, sealed boolean NOT NULL DEFAULT false,
  audit_seq bigint NOT NULL DEFAULT 0);
CREATE TABLE members (
  space text NOT NULL REFERENCES spaces (name), public_key text NOT NULL, name text NOT NULL, role text NOT NULL,
  since text NOT NULL, granted_by text, PRIMARY KEY (space, public_key));
CREATE TABLE documents (
  id bigserial PRIMARY KEY, space text NOT NULL REFERENCES spaces (name), name text NOT NULL, kind text NOT NULL,
  schema_version integer NOT NULL, created text NOT NULL, sealed_name bytea, snapshot bytea,
  snapshot_seq bigint NOT NULL DEFAULT 0, last_seq bigint NOT NULL DEFAULT 0, UNIQUE (space, name));
CREATE TABLE updates (
  document bigint NOT NULL REFERENCES documents (id), seq bigint NOT NULL, data bytea NOT NULL,
  PRIMARY KEY (document, seq));
CREATE TABLE set_aside (
  id bigserial PRIMARY KEY, space text NOT NULL, document text NOT NULL, kind text NOT NULL, seq bigint NOT NULL,
  data bytea NOT NULL, reason text NOT NULL, time text NOT NULL);
CREATE TABLE audit (
  space text NOT NULL REFERENCES spaces (name), seq bigint NOT NULL, time text NOT NULL, event text NOT NULL,
  actor text, subject text, role text, room text, reason text, count integer, since text, actor_name text,
  subject_name text, PRIMARY KEY (space, seq));
CREATE INDEX audit_refusals ON audit (space, since) WHERE event = 'refused';
CREATE TABLE invites (
  space text NOT NULL REFERENCES spaces (name), id text NOT NULL, token_hash text NOT NULL UNIQUE,
  role text NOT NULL, created text NOT NULL, expires text NOT NULL, created_by text NOT NULL, used_by text,
  used_at text, revoked_at text, PRIMARY KEY (space, id));
CREATE TABLE access_requests (
  space text NOT NULL REFERENCES spaces (name), id text NOT NULL, public_key text NOT NULL, name text NOT NULL,
  message text NOT NULL, created text NOT NULL, status text NOT NULL, resolved_by text, resolved_at text,
  PRIMARY KEY (space, id));
CREATE TABLE agreements (
  space text NOT NULL REFERENCES spaces (name), version integer NOT NULL, hash text NOT NULL, text text NOT NULL,
  set_by text NOT NULL, created text NOT NULL, PRIMARY KEY (space, version));
CREATE TABLE agreement_signatures (
  space text NOT NULL, version integer NOT NULL, hash text NOT NULL, public_key text NOT NULL,
  signature text NOT NULL, signed text NOT NULL, PRIMARY KEY (space, version, public_key),
  FOREIGN KEY (space, version) REFERENCES agreements (space, version));
CREATE TABLE epochs (
  space text NOT NULL REFERENCES spaces (name), epoch integer NOT NULL, created_by text NOT NULL,
  created text NOT NULL, PRIMARY KEY (space, epoch));
CREATE TABLE wrapped_keys (
  space text NOT NULL, epoch integer NOT NULL, public_key text NOT NULL, wrapped bytea NOT NULL,
  wrapped_by text NOT NULL, created text NOT NULL, PRIMARY KEY (space, epoch, public_key),
  FOREIGN KEY (space, epoch) REFERENCES epochs (space, epoch));
`;

/**
 * Version 2, the relay's directory: a space's listing as its lead signed it, members hidden from visitors'
 * hints, where an access request came from, and an index to find the spaces one key belongs to.
 */
const VERSION_2 = `
CREATE TABLE listings (
  space text PRIMARY KEY REFERENCES spaces (name), title text NOT NULL, description text NOT NULL,
  expectations text NOT NULL, show_agreement boolean NOT NULL, listed_by text NOT NULL, listed_at text NOT NULL,
  signature text NOT NULL);
CREATE TABLE hidden_from_hints (
  space text NOT NULL REFERENCES spaces (name), public_key text NOT NULL, PRIMARY KEY (space, public_key));
CREATE INDEX members_by_key ON members (public_key);
ALTER TABLE access_requests ADD COLUMN via text;
`;

/** Version 3: sealed spaces' membership chains, statements signed by leads, kept as the JSON text received. */
const VERSION_3 = `
CREATE TABLE membership_chain (
  space text NOT NULL REFERENCES spaces (name), seq integer NOT NULL, statement text NOT NULL,
  PRIMARY KEY (space, seq));
ALTER TABLE invites ADD COLUMN used_proof text;
`;

/** Each step upgrades from the version before it: MIGRATIONS[n - 1] makes version n. */
const MIGRATIONS: readonly string[] = [VERSION_1, VERSION_2, VERSION_3];

/** Creates the tables, or upgrades an older schema, in one transaction. */
export async function preparePostgresSchema(client: PoolClient): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
    await client.query('CREATE TABLE IF NOT EXISTS enclave_schema (version integer NOT NULL)');
    const row = (await client.query<{ version: number }>('SELECT version FROM enclave_schema')).rows[0];
    const found = row?.version ?? 0;
    if (found > POSTGRES_SCHEMA_VERSION) {
      throw new Error(
        `the database was written by a newer relay (storage schema ${found}; this relay reads up to ${POSTGRES_SCHEMA_VERSION})`,
      );
    }
    for (let version = found + 1; version <= POSTGRES_SCHEMA_VERSION; version++) {
      await client.query(MIGRATIONS[version - 1]!);
    }
    if (row === undefined)
      await client.query('INSERT INTO enclave_schema (version) VALUES ($1)', [POSTGRES_SCHEMA_VERSION]);
    else await client.query('UPDATE enclave_schema SET version = $1', [POSTGRES_SCHEMA_VERSION]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
