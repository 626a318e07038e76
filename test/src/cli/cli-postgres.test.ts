/**
 * `enclave relay` on PostgreSQL: chosen by ENCLAVE_STORAGE (or --storage), said on start without the
 * password, reported by /healthz; a relay that cannot reach PostgreSQL does not start.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateIdentity } from '@enclave/shared';
import { type PrivatePostgres, startPrivatePostgres } from '@enclave/relay/testing/private-postgres';
import { runCli, startRelayProcess } from '../support/cli.js';

describe('enclave relay on PostgreSQL', function () {
  this.timeout(60_000);
  let server: PrivatePostgres;
  let dir: string;
  before(async () => {
    server = await startPrivatePostgres();
    dir = mkdtempSync(join(tmpdir(), 'enclave-cli-pg-'));
  });
  after(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores in the database ENCLAVE_STORAGE names and reports it in /healthz', async () => {
    const admin = await generateIdentity('Admin');
    const database = await server.createDatabase();
    const withPassword = database.replace('enclave@', 'enclave:secret@'); // trust auth ignores it
    const relay = await startRelayProcess(join(dir, 'a'), admin.publicKey, 0, {
      env: { ENCLAVE_STORAGE: withPassword },
    });
    try {
      assert.match(relay.output(), /data in PostgreSQL postgres:\/\/enclave:\*\*\*@/);
      assert.doesNotMatch(relay.output(), /secret/);
      const health = (await (await fetch(`${relay.url.replace('ws', 'http')}/healthz`)).json()) as {
        storage: unknown;
      };
      assert.deepEqual(health.storage, { engine: 'postgres', state: 'ok' });
    } finally {
      assert.equal(await relay.stop(), 0);
    }
  });

  it('does not start when PostgreSQL cannot be reached, and says so', async () => {
    const admin = await generateIdentity('Admin');
    const result = await runCli([
      'relay',
      '--data',
      join(dir, 'b'),
      '--admin',
      admin.publicKey,
      '--port',
      '0',
      '--storage',
      'postgres://enclave@127.0.0.1:1/postgres',
    ]);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /PostgreSQL is unavailable/);
  });
});
