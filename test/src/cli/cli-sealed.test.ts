/**
 * A sealed space through the real CLI and a real relay process: every fixture notebook and a non-ASCII CRLF
 * draft round-trip between two members, the relay's data folder holds none of it, members list documents
 * by real name, a revoke rotates the key and locks the revoked member out, and a member admitted by invite
 * waits until a lead's client shares the key.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { normalizeNotebook, parseIpynb } from '@enclave/shared';
import { type RelayProcess, runCli, startRelayProcess } from '../support/cli.js';
import { folderBytes } from '../support/data-folder.js';
import { FIXTURE_NOTEBOOKS } from '../support/paths.js';

const MARKER = 'SEALED-MARKER-91c2';

describe('CLI in a sealed space (real relay process)', function () {
  this.timeout(180_000);
  let dir: string;
  let relay: RelayProcess;
  let lead: Record<string, string>;
  let bob: Record<string, string>;
  let bobKey: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'enclave-cli-sealed-'));
    const admin = (await runCli(['identity', 'new', '--name', 'Ada', '--out', join(dir, 'ada.json')])).stdout.trim();
    bobKey = (await runCli(['identity', 'new', '--name', 'Bob', '--out', join(dir, 'bob.json')])).stdout.trim();
    relay = await startRelayProcess(join(dir, 'data'), admin);
    lead = { ENCLAVE_RELAY: relay.url, ENCLAVE_IDENTITY: join(dir, 'ada.json') };
    bob = { ENCLAVE_RELAY: relay.url, ENCLAVE_IDENTITY: join(dir, 'bob.json') };
    const created = await runCli(['space', 'create', 'vault', '--sealed'], lead);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /sealed/);
    const granted = await runCli(['grant', 'vault', bobKey, '--role', 'editor', '--name', 'Bob'], lead);
    assert.equal(granted.code, 0, granted.stderr);
    assert.match(granted.stdout, /shared the space's keys: 1 wrapped/);
  });

  after(async () => {
    await relay?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const file of readdirSync(FIXTURE_NOTEBOOKS).filter((f) => f.endsWith('.ipynb'))) {
    it(`round-trips ${file} between two members`, async () => {
      const source = join(FIXTURE_NOTEBOOKS, file);
      const pushed = await runCli(['push', `vault/${file}`, source], lead);
      assert.equal(pushed.code, 0, pushed.stderr);
      const out = join(dir, `pulled-${file}`);
      const pulled = await runCli(['pull', `vault/${file}`, '--out', out], bob);
      assert.equal(pulled.code, 0, pulled.stderr);
      assert.deepEqual(
        normalizeNotebook(parseIpynb(readFileSync(out, 'utf8'))),
        normalizeNotebook(parseIpynb(readFileSync(source, 'utf8'))),
      );
    });
  }

  it('round-trips a non-ASCII CRLF draft byte for byte; the data folder holds no marker; docs shows real names', async () => {
    const draft = join(dir, `notes-${MARKER}.md`);
    writeFileSync(draft, `Ünïcødé ${MARKER} — résumé\r\nsecond line\r\n`);
    assert.equal((await runCli(['push', `vault/notes-${MARKER}.md`, draft], bob)).code, 0);
    const out = join(dir, 'notes-out.md');
    assert.equal((await runCli(['pull', `vault/notes-${MARKER}.md`, '--out', out], lead)).code, 0);
    assert.deepEqual(readFileSync(out), readFileSync(draft));
    const listed = await runCli(['docs', 'vault'], bob);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, new RegExp(`notes-${MARKER}\\.md`));
    assert.match(listed.stdout, /Main_Demo\.ipynb/);
    assert.equal(folderBytes(join(dir, 'data')).includes(MARKER), false, 'not in the database, WAL included');
    assert.equal(relay.output().includes(MARKER), false, 'not in the relay log');
  });

  it('a member admitted by invite waits for a lead to share the key, then reads', async () => {
    const link = (await runCli(['invite', 'vault', '--role', 'viewer', '--expires', '1h'], lead)).stdout.trim();
    assert.match(link, /^enclave:\/\/join/);
    await runCli(['identity', 'new', '--name', 'Carol', '--out', join(dir, 'carol.json')]);
    const carol = { ENCLAVE_RELAY: relay.url, ENCLAVE_IDENTITY: join(dir, 'carol.json') };
    assert.equal((await runCli(['join', link], carol)).code, 0);
    const early = await runCli(['pull', 'vault/Main_Demo.ipynb', '--out', join(dir, 'c.ipynb')], carol);
    assert.equal(early.code, 3, early.stdout + early.stderr);
    assert.match(early.stderr, /waiting for a lead to share the key/);
    const shared = await runCli(['keys', 'share', 'vault'], lead);
    assert.equal(shared.code, 0, shared.stderr);
    assert.match(shared.stdout, /1 wrapped/);
    const later = await runCli(['pull', 'vault/Main_Demo.ipynb', '--out', join(dir, 'c.ipynb')], carol);
    assert.equal(later.code, 0, later.stderr);
  });

  it('revoke rotates the key: the revoked member is out, the others go on', async () => {
    const revoked = await runCli(['revoke', 'vault', bobKey], lead);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.match(revoked.stdout, /key epoch 2, which they never received/);
    const refused = await runCli(['pull', 'vault/Main_Demo.ipynb', '--out', join(dir, 'b.ipynb')], bob);
    assert.equal(refused.code, 3);
    const draft = join(dir, 'after.md');
    writeFileSync(draft, 'written under epoch 2\n');
    assert.equal((await runCli(['push', 'vault/after.md', draft], lead)).code, 0);
    const out = join(dir, 'after-out.md');
    assert.equal((await runCli(['pull', 'vault/after.md', '--out', out], lead)).code, 0);
    assert.equal(readFileSync(out, 'utf8'), 'written under epoch 2\n');
  });
});
