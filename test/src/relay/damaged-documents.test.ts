/**
 * Documents damaged by an older relay (a stored update or snapshot that Yjs cannot load again) are
 * recovered: the relay loads what it can, sets the rest aside (kept, logged, counted in /metrics) and still
 * exits on SIGTERM; `enclave doctor` reports and repairs a stopped relay's data folder.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type PublicKeyText } from '@enclave/shared';
import { SqliteStorage } from '@enclave/relay';
import { runCli, startRelayProcess } from '../support/cli.js';
import { writeDamage, ZERO_LENGTH_STRUCT } from '../support/damaged-documents.js';

describe('damaged documents', function () {
  this.timeout(120_000);
  let dir: string;
  let data: string;
  let lead: PublicKeyText;
  let env: Record<string, string>;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'enclave-damaged-'));
    data = join(dir, 'data');
    lead = (
      await runCli(['identity', 'new', '--name', 'Lead', '--out', join(dir, 'lead.json')])
    ).stdout.trim() as PublicKeyText;
    env = { ENCLAVE_IDENTITY: join(dir, 'lead.json') };
    mkdirSync(data, { recursive: true, mode: 0o700 });
    const storage = new SqliteStorage(join(data, 'enclave.sqlite'));
    await writeDamage(storage, lead);
    await storage.close();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('loads what it can, sets the rest aside and counts it, and still stops on SIGTERM', async () => {
    const relay = await startRelayProcess(data, lead);
    let stopped = false;
    try {
      const at = { ...env, ENCLAVE_RELAY: relay.url };
      for (let attempt = 0; attempt < 3; attempt++) {
        const notes = await runCli(['pull', 'lab/notes.md', '--out', join(dir, 'notes.md')], at, 20_000);
        assert.equal(notes.code, 0, notes.stderr);
        assert.equal(readFileSync(join(dir, 'notes.md'), 'utf8'), 'hello world');
        const old = await runCli(['pull', 'lab/old.md', '--out', join(dir, 'old.md')], at, 20_000);
        assert.equal(old.code, 0, old.stderr);
        assert.equal(readFileSync(join(dir, 'old.md'), 'utf8'), 'kept in a snapshot');
      }
      const metrics = await (await fetch(`${relay.url.replace('ws', 'http')}/metrics`)).text();
      assert.match(metrics, /enclave_stored_parts_set_aside_total\{kind="update"\} 1\b/);
      assert.match(metrics, /enclave_stored_parts_set_aside_total\{kind="snapshot"\} [12]\b/);
      assert.match(relay.output(), /set aside/);
      const started = Date.now();
      const code = await Promise.race([relay.stop(), new Promise((r) => setTimeout(() => r('still running'), 15_000))]);
      stopped = true;
      assert.equal(code, 0, `exit after SIGTERM (${Date.now() - started} ms)`);
    } finally {
      if (!stopped || relay.child.exitCode === null) relay.child.kill('SIGKILL');
    }
    // Stored again as one snapshot of what loaded: the doctor finds nothing left to repair.
    const check = await runCli(['doctor', '--data', data]);
    assert.equal(check.code, 0, check.stdout + check.stderr);
    assert.match(check.stdout, /part\(s\) set aside earlier are kept/);
  });

  it('enclave doctor reports damage without changing anything, and repairs it with --repair', async () => {
    const report = await runCli(['doctor', '--data', data]);
    assert.equal(report.code, 1, report.stdout + report.stderr);
    assert.match(report.stdout, /damaged {2}lab\/notes\.md: 1 stored part/);
    assert.match(report.stdout, /update 2 \(7 bytes\): a struct of length 0/);
    assert.match(report.stdout, /damaged {2}lab\/old\.md/);
    assert.match(report.stderr, /2 damaged document\(s\); run again with --repair/);
    assert.equal((await runCli(['doctor', '--data', data])).code, 1, 'a report alone changed nothing');

    const relay = await startRelayProcess(data, lead);
    try {
      const busy = await runCli(['doctor', '--data', data]);
      assert.equal(busy.code, 1);
      assert.match(busy.stderr, /in use by another process/);
    } finally {
      await relay.kill('SIGKILL'); // the relay repaired nothing yet: no document was opened
    }

    const repaired = await runCli(['doctor', '--data', data, '--repair']);
    assert.equal(repaired.code, 0, repaired.stdout + repaired.stderr);
    assert.match(repaired.stdout, /repaired lab\/notes\.md/);
    assert.match(repaired.stdout, /2 damaged, all repaired/);
    const again = await runCli(['doctor', '--data', data]);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /ok {7}lab\/notes\.md/);

    const storage = new SqliteStorage(join(data, 'enclave.sqlite'));
    const kept = await storage.listSetAside();
    await storage.close();
    assert.ok(
      kept.some((p) => p.document === 'notes.md' && Buffer.from(p.data).equals(Buffer.from(ZERO_LENGTH_STRUCT))),
    );

    const after = await startRelayProcess(data, lead);
    try {
      const at = { ...env, ENCLAVE_RELAY: after.url };
      assert.equal((await runCli(['pull', 'lab/notes.md', '--out', join(dir, 'n.md')], at)).code, 0);
      assert.equal(readFileSync(join(dir, 'n.md'), 'utf8'), 'hello world');
    } finally {
      await after.stop();
    }
  });
});
