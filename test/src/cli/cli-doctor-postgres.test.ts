/**
 * `enclave doctor --storage postgres://...`: the same checks and repair as on a relay's SQLite folder, on
 * the service's PostgreSQL (a private one here): damage reported without change, parts set aside with
 * --repair and kept in the database, and a relay on that database then serves what loaded.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type PublicKeyText } from '@enclave/shared';
import { PostgresStorage } from '@enclave/relay';
import { type PrivatePostgres, startPrivatePostgres } from '@enclave/relay/testing/private-postgres';
import { runCli, startRelayProcess } from '../support/cli.js';
import { writeDamage, ZERO_LENGTH_STRUCT } from '../support/damaged-documents.js';

describe('enclave doctor on PostgreSQL', function () {
  this.timeout(120_000);
  let server: PrivatePostgres;
  let dir: string;
  let database: string;
  let lead: PublicKeyText;

  before(async () => {
    server = await startPrivatePostgres();
    dir = mkdtempSync(join(tmpdir(), 'enclave-doctor-pg-'));
    database = await server.createDatabase();
    lead = (
      await runCli(['identity', 'new', '--name', 'Lead', '--out', join(dir, 'lead.json')])
    ).stdout.trim() as PublicKeyText;
    const storage = await PostgresStorage.open(database);
    try {
      await writeDamage(storage, lead);
    } finally {
      await storage.close();
    }
  });
  after(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports damage without changing anything, repairs it with --repair, and a relay serves what loaded', async () => {
    const report = await runCli(['doctor', '--storage', database]);
    assert.equal(report.code, 1, report.stdout + report.stderr);
    assert.match(report.stdout, /damaged {2}lab\/notes\.md: 1 stored part/);
    assert.match(report.stdout, /update 2 \(7 bytes\): a struct of length 0/);
    assert.match(report.stdout, /damaged {2}lab\/old\.md/);
    assert.match(report.stderr, /2 damaged document\(s\); run again with --repair/);
    assert.equal((await runCli(['doctor', '--storage', database])).code, 1, 'a report alone changed nothing');

    const repaired = await runCli(['doctor', '--storage', database, '--repair']);
    assert.equal(repaired.code, 0, repaired.stdout + repaired.stderr);
    // PostgreSQL has no lock that tells whether relays are running: the doctor says so instead of checking.
    assert.match(repaired.stderr, /cannot tell whether relays use this database; stop them all first/);
    assert.match(repaired.stdout, /repaired lab\/notes\.md/);
    assert.match(repaired.stdout, /2 damaged, all repaired/);
    const again = await runCli(['doctor', '--storage', database]);
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.match(again.stdout, /ok {7}lab\/notes\.md/);
    assert.match(again.stdout, /part\(s\) set aside earlier are kept in the set_aside table of PostgreSQL postgres:/);

    const storage = await PostgresStorage.open(database);
    const kept = await storage.listSetAside();
    await storage.close();
    assert.ok(
      kept.some((p) => p.document === 'notes.md' && Buffer.from(p.data).equals(Buffer.from(ZERO_LENGTH_STRUCT))),
    );

    const relay = await startRelayProcess(join(dir, 'relay'), lead, 0, { env: { ENCLAVE_STORAGE: database } });
    try {
      const at = { ENCLAVE_IDENTITY: join(dir, 'lead.json'), ENCLAVE_RELAY: relay.url };
      assert.equal((await runCli(['pull', 'lab/notes.md', '--out', join(dir, 'n.md')], at)).code, 0);
      assert.equal(readFileSync(join(dir, 'n.md'), 'utf8'), 'hello world');
      assert.equal((await runCli(['pull', 'lab/old.md', '--out', join(dir, 'o.md')], at)).code, 0);
      assert.equal(readFileSync(join(dir, 'o.md'), 'utf8'), 'kept in a snapshot');
    } finally {
      await relay.stop();
    }
  });

  it('says clearly when the database cannot be reached, and needs --data or --storage', async () => {
    const down = await runCli(['doctor', '--storage', 'postgres://enclave:secret@127.0.0.1:1/postgres']);
    assert.notEqual(down.code, 0);
    assert.match(down.stderr, /cannot open postgres:\/\/enclave:\*\*\*@127\.0\.0\.1:1\/postgres/);
    assert.doesNotMatch(down.stderr, /secret/);
    const neither = await runCli(['doctor'], { ENCLAVE_STORAGE: '' });
    assert.notEqual(neither.code, 0);
    assert.match(neither.stderr, /--data DIR .* or --storage postgres:\/\//);
  });
});
