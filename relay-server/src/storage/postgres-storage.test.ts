import assert from 'node:assert/strict';
import pg from 'pg';
import { startPrivatePostgres, type PrivatePostgres } from '../testing/private-postgres.js';
import { PostgresStorage } from './postgres-storage.js';
import { POSTGRES_SCHEMA_VERSION } from './postgres-schema.js';
import { describeStorageConformance } from './storage-conformance.js';
import { StorageUnavailable } from './storage.js';

describe('PostgreSQL storage', function () {
  this.timeout(60_000);
  let server: PrivatePostgres;
  let url = '';
  before(async () => {
    server = await startPrivatePostgres();
  });
  after(async () => server?.close());

  describeStorageConformance('postgres', {
    create: async () => {
      url = await server.createDatabase();
      return PostgresStorage.open(url);
    },
    second: async () => PostgresStorage.open(url),
    reopen: async () => PostgresStorage.open(url),
  });

  describe('PostgresStorage (engine specifics)', () => {
    it('creates its schema once when several relays start together, and records its version', async () => {
      const database = await server.createDatabase();
      const storages = await Promise.all(Array.from({ length: 4 }, () => PostgresStorage.open(database)));
      await Promise.all(storages.map((s) => s.close()));
      const client = new pg.Client({ connectionString: database });
      await client.connect();
      try {
        const { rows } = await client.query<{ version: number }>('SELECT version FROM enclave_schema');
        assert.deepEqual(rows, [{ version: POSTGRES_SCHEMA_VERSION }]);
      } finally {
        await client.end();
      }
    });

    it('refuses a database from a newer relay', async () => {
      const database = await server.createDatabase();
      await (await PostgresStorage.open(database)).close();
      const client = new pg.Client({ connectionString: database });
      await client.connect();
      await client.query('UPDATE enclave_schema SET version = version + 1');
      await client.end();
      await assert.rejects(PostgresStorage.open(database), /newer relay/);
    });

    it('rejects with StorageUnavailable while PostgreSQL is unreachable', async () => {
      const nobody = 'postgres://enclave@127.0.0.1:1/postgres';
      await assert.rejects(PostgresStorage.open(nobody, { connectTimeoutMs: 2_000 }), StorageUnavailable);
    });
  });
});
