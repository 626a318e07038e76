/**
 * The CLI's access-management commands and exit-code contract against a real relay process:
 * 0 done, 2 usage, 3 access denied, 4 not found, 1 anything else; one line on stderr, never a stack trace.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fingerprint, shortFingerprint } from '@enclave/shared';
import { type CliResult, type RelayProcess, runCli, startRelayProcess } from '../support/cli.js';

function assertOneLineError(result: CliResult, code: number, pattern: RegExp): void {
  assert.equal(result.code, code, `exit ${result.code}: ${result.stderr}`);
  const lines = result.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, got:\n${result.stderr}`);
  assert.match(lines[0]!, pattern);
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
}

describe('CLI access management and exit codes (real relay process)', function () {
  this.timeout(60_000);
  let dir: string;
  let relay: RelayProcess;
  const keys: Record<string, string> = {};
  const as = (who: string): Record<string, string> => ({
    ENCLAVE_RELAY: relay.url,
    ENCLAVE_IDENTITY: join(dir, `${who}.json`),
  });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'enclave-cli-access-'));
    for (const who of ['lead', 'editor', 'viewer', 'outsider']) {
      const made = await runCli(['identity', 'new', '--name', who, '--out', join(dir, `${who}.json`)]);
      assert.equal(made.code, 0, made.stderr);
      keys[who] = made.stdout.trim();
    }
    relay = await startRelayProcess(join(dir, 'data'), keys['lead']!);
    assert.equal((await runCli(['space', 'create', 'team'], as('lead'))).code, 0);
    assert.equal(
      (await runCli(['grant', 'team', keys['editor']!, '--role', 'editor', '--name', 'Eddie'], as('lead'))).code,
      0,
    );
    assert.equal((await runCli(['grant', 'team', keys['viewer']!, '--role', 'viewer'], as('lead'))).code, 0);
    writeFileSync(join(dir, 'note.md'), 'hello\n');
  });

  after(async () => {
    await relay?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes identity files with mode 0600 and refuses to overwrite one', async () => {
    assert.equal(statSync(join(dir, 'lead.json')).mode & 0o777, 0o600);
    assertOneLineError(await runCli(['identity', 'new', '--name', 'x', '--out', join(dir, 'lead.json')]), 1, /exists/);
  });

  it('prints help and exits 0 for --help', async () => {
    const help = await runCli(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /enclave push SPACE\/DOC FILE/);
  });

  it('lists members with roles and names, as text and JSON', async () => {
    const text = await runCli(['members', 'team'], as('viewer'));
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /editor\s+Eddie/);
    const json = JSON.parse((await runCli(['members', 'team', '--json'], as('editor'))).stdout) as { role: string }[];
    assert.deepEqual(json.map((m) => m.role).sort(), ['editor', 'lead', 'viewer']);
  });

  it('exits 2 on usage errors', async () => {
    assertOneLineError(await runCli(['grant', 'team', keys['editor']!], as('lead')), 2, /--role/);
    assertOneLineError(
      await runCli(['relay', '--data', join(dir, 'unused'), '--admin', keys['lead']!, '--unadmitted-total', '0']),
      2,
      /--unadmitted-total takes a whole number/,
    );
    assertOneLineError(
      await runCli(['grant', 'team', 'ed25519:nope', '--role', 'editor'], as('lead')),
      2,
      /32 bytes|base64/,
    );
    assertOneLineError(await runCli(['push', 'team'], as('lead')), 2, /SPACE\/DOC/);
    assertOneLineError(await runCli(['frobnicate'], as('lead')), 2, /unknown command/);
    assertOneLineError(await runCli(['members', 'team', '--bogus'], as('lead')), 2, /bogus/);
    assertOneLineError(
      await runCli(['relay', '--data', dir, '--admin', keys['lead']!, '--commit-window-ms', 'soon'], as('lead')),
      2,
      /--commit-window-ms/,
    );
    assertOneLineError(
      await runCli(['relay', '--data', dir, '--admin', keys['lead']!, '--storage', 'mysql://db/enclave'], as('lead')),
      2,
      /--storage .*postgres:\/\//,
    );
    assertOneLineError(await runCli(['members', 'team'], { ENCLAVE_RELAY: '', ENCLAVE_IDENTITY: '' }), 2, /relay/);
  });

  it('exits 3 when access is denied', async () => {
    assertOneLineError(await runCli(['members', 'team'], as('outsider')), 3, /access denied/);
    assertOneLineError(
      await runCli(['push', 'team/note.md', join(dir, 'note.md')], as('outsider')),
      3,
      /access denied/,
    );
    assertOneLineError(await runCli(['push', 'team/note.md', join(dir, 'note.md')], as('viewer')), 3, /viewer/);
    assertOneLineError(await runCli(['grant', 'team', keys['outsider']!, '--role', 'editor'], as('editor')), 3, /lead/);
    assertOneLineError(await runCli(['audit', 'team'], as('viewer')), 3, /lead/);
    assertOneLineError(await runCli(['space', 'create', 'mine'], as('editor')), 3, /admin/);
  });

  it('exits 4 when something does not exist', async () => {
    assertOneLineError(
      await runCli(['pull', 'team/missing.md', '--out', join(dir, 'x')], as('editor')),
      4,
      /no document/,
    );
    assertOneLineError(await runCli(['members', 'nowhere'], as('lead')), 4, /no space/);
    assertOneLineError(await runCli(['revoke', 'team', keys['outsider']!], as('lead')), 4, /not a member/);
  });

  it('exits 1 when the relay cannot be reached', async () => {
    const env = { ...as('lead'), ENCLAVE_RELAY: 'ws://127.0.0.1:9' };
    assertOneLineError(await runCli(['members', 'team'], env), 1, /cannot reach the relay/);
  });

  it('keeps the last lead: a lead cannot demote or revoke themselves when alone', async () => {
    assertOneLineError(
      await runCli(['grant', 'team', keys['lead']!, '--role', 'editor'], as('lead')),
      1,
      /needs a lead/,
    );
    assertOneLineError(await runCli(['revoke', 'team', keys['lead']!], as('lead')), 1, /needs a lead/);
  });

  it('revokes a member: they are denied afterwards, and the audit log shows it', async () => {
    assert.equal((await runCli(['revoke', 'team', keys['viewer']!], as('lead'))).code, 0);
    assertOneLineError(await runCli(['members', 'team'], as('viewer')), 3, /access denied/);
    const audit = JSON.parse((await runCli(['audit', 'team', '--json'], as('lead'))).stdout) as {
      event: string;
      subject?: string;
      actor: string | null;
      reason?: string;
    }[];
    const events = audit.map((e) => e.event);
    for (const event of ['space-created', 'granted', 'joined', 'revoked', 'refused']) {
      assert.ok(events.includes(event), `audit has ${event}: ${events.join(',')}`);
    }
    // A command's short document connection is one 'joined' entry saying so, not a joined/left pair.
    assert.ok(!events.includes('left'), events.join(','));
    assert.ok(audit.filter((e) => e.event === 'joined').every((e) => /^briefly: closed with/.test(e.reason ?? '')));
    assert.ok(audit.some((e) => e.event === 'revoked' && e.subject === keys['viewer']));
    assert.ok(audit.some((e) => e.event === 'refused' && e.actor === keys['outsider'] && e.reason === 'not a member'));
  });

  it('shows refusals counted: one line per key and reason, with how many and since when', async () => {
    for (let i = 0; i < 3; i++) assertOneLineError(await runCli(['members', 'team'], as('outsider')), 3, /denied/);
    const text = await runCli(['audit', 'team'], as('lead'));
    assert.equal(text.code, 0, text.stderr);
    const outsider = `key ${shortFingerprint(await fingerprint(keys['outsider']!))}`;
    assert.ok(!text.stdout.includes(keys['outsider']!), 'a short fingerprint, not the key');
    const lines = text.stdout.split('\n').filter((l) => l.includes(outsider) && l.includes('not a member'));
    assert.equal(lines.length, 1, text.stdout);
    const times = /refused\s+key \S+\s+(\d+) times since \S+Z; last room team; not a member/.exec(lines[0]!);
    assert.ok(times && Number(times[1]) >= 3, lines[0]);
  });
});
