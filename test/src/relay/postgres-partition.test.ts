/**
 * PostgreSQL cut off by the network (a proxy that stops passing bytes, as a partition does): a write waits
 * at most the query timeout, then fails as StorageUnavailable having stored nothing; once the network is back
 * the same storage object writes again on new connections.
 */
import assert from 'node:assert/strict';
import { PostgresStorage, StorageUnavailable } from '@enclave/relay';
import { type PrivatePostgres, startPrivatePostgres } from '@enclave/relay/testing/private-postgres';
import type { PublicKeyText } from '@enclave/shared';
import { FreezableProxy } from '../support/freezable-proxy.js';

const LEAD = 'ed25519:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' as PublicKeyText;
const now = '2026-01-01T00:00:00.000Z';

describe('PostgreSQL cut off by the network', function () {
  this.timeout(60_000);
  let server: PrivatePostgres;
  let proxy: FreezableProxy | undefined;
  before(async () => {
    server = await startPrivatePostgres();
  });
  after(async () => {
    await proxy?.close();
    await server?.close();
  });

  it('fails a write as unavailable after the query timeout, stores none of it, and writes again after', async () => {
    const database = await server.createDatabase();
    proxy = await FreezableProxy.start(`ws://127.0.0.1:${server.port}`);
    const viaProxy = database.replace(`:${server.port}/`, `:${new URL(proxy.url).port}/`);
    const storage = await PostgresStorage.open(viaProxy, { queryTimeoutMs: 1_000, connectTimeoutMs: 1_000 });
    try {
      await storage.createSpace(
        { name: 'team', created: now, createdBy: LEAD },
        { publicKey: LEAD, name: 'Lead', role: 'lead', since: now, grantedBy: null },
      );
      proxy.freeze();
      await assert.rejects(
        storage.appendAudit('team', { event: 'joined', actor: LEAD, room: 'lost' }),
        StorageUnavailable,
      );
      await assert.rejects(storage.ping(), StorageUnavailable, 'new connections wait in vain too');
      proxy.thaw();
      const entry = await storage.appendAudit('team', { event: 'joined', actor: LEAD, room: 'kept' });
      assert.deepEqual(
        (await storage.listAudit('team', 0, 10)).map((e) => [e.seq, e.room]),
        [[entry.seq, 'kept']],
      );
      assert.equal(entry.seq, 1, 'the failed write took no sequence number');
    } finally {
      await storage.close();
    }
  });
});
