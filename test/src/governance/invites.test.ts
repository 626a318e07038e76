/**
 * Invites from the CLI against a real relay process: a lead prints a one-time link, the invitee joins with
 * it and gets the role; a used, expired or revoked invite admits nobody and says so.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseLink } from '@enclave/shared';
import { type RelayProcess, runCli, startRelayProcess } from '../support/cli.js';
import { delay } from '../support/wait.js';

describe('invites (CLI, real relay process)', function () {
  this.timeout(60_000);
  let dir: string;
  let relay: RelayProcess;
  const identity = (who: string): string => join(dir, `${who}.json`);
  const as = (who: string): Record<string, string> => ({ ENCLAVE_RELAY: relay.url, ENCLAVE_IDENTITY: identity(who) });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'enclave-invites-'));
    const keys: Record<string, string> = {};
    for (const who of ['lead', 'ines', 'ivan', 'late', 'other']) {
      keys[who] = (await runCli(['identity', 'new', '--name', who, '--out', identity(who)])).stdout.trim();
    }
    relay = await startRelayProcess(join(dir, 'data'), keys['lead']!);
    assert.equal((await runCli(['space', 'create', 'lab'], as('lead'))).code, 0);
    writeFileSync(join(dir, 'notes.md'), 'members only\n');
    assert.equal((await runCli(['push', 'lab/notes.md', join(dir, 'notes.md')], as('lead'))).code, 0);
  });
  after(async () => {
    await relay?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('admits the invitee with the role, once', async () => {
    const created = await runCli(['invite', 'lab', '--role', 'viewer', '--expires', '1h'], as('lead'));
    assert.equal(created.code, 0, created.stderr);
    const link = created.stdout.trim();
    const parsed = parseLink(link);
    assert.equal(parsed.kind, 'join');
    assert.equal(parsed.space, 'lab');
    assert.match(created.stderr, /as viewer until/);

    assert.equal(
      (await runCli(['pull', 'lab/notes.md', '--out', join(dir, 'x')], as('ines'))).code,
      3,
      'not yet a member',
    );
    const joined = await runCli(['join', link], { ENCLAVE_IDENTITY: identity('ines') });
    assert.equal(joined.code, 0, joined.stderr);
    assert.match(joined.stdout, /joined lab as viewer/);
    assert.equal((await runCli(['pull', 'lab/notes.md', '--out', join(dir, 'ines.md')], as('ines'))).code, 0);

    const again = await runCli(['join', link], { ENCLAVE_IDENTITY: identity('ivan') });
    assert.equal(again.code, 3);
    assert.match(again.stderr, /invite already used/);
    assert.equal((await runCli(['members', 'lab'], as('ivan'))).code, 3, 'the second user got nothing');
  });

  it('refuses an expired invite and says so', async () => {
    const link = (await runCli(['invite', 'lab', '--role', 'editor', '--expires', '1s'], as('lead'))).stdout.trim();
    await delay(1500);
    const late = await runCli(['join', link], { ENCLAVE_IDENTITY: identity('late') });
    assert.equal(late.code, 3);
    assert.match(late.stderr, /invite expired/);
    assert.equal((await runCli(['members', 'lab'], as('late'))).code, 3);
  });

  it('refuses a revoked invite and a forged one', async () => {
    const created = await runCli(['invite', 'lab', '--role', 'editor'], as('lead'));
    const id = /invite (\w+):/.exec(created.stderr)![1]!;
    assert.equal((await runCli(['invite', 'revoke', 'lab', id], as('lead'))).code, 0);
    const revoked = await runCli(['join', created.stdout.trim()], { ENCLAVE_IDENTITY: identity('other') });
    assert.equal(revoked.code, 3);
    assert.match(revoked.stderr, /invite revoked/);
    const forged = created.stdout.trim().replace(/invite=[^&]+/, 'invite=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    const refused = await runCli(['join', forged], { ENCLAVE_IDENTITY: identity('other') });
    assert.equal(refused.code, 3);
    assert.match(refused.stderr, /invite not valid/);
  });

  it('lists invites with their status, for leads only', async () => {
    const listed = JSON.parse((await runCli(['invites', 'lab', '--json'], as('lead'))).stdout) as { status: string }[];
    assert.deepEqual([...new Set(listed.map((i) => i.status))].sort(), ['expired', 'revoked', 'used']);
    assert.equal((await runCli(['invites', 'lab'], as('ines'))).code, 3);
    assert.equal((await runCli(['invite', 'lab', '--role', 'editor'], as('ines'))).code, 3, 'a viewer cannot invite');
  });

  it('records invites in the audit log, exportable as JSON lines', async () => {
    const audit = await runCli(['audit', 'lab', '--jsonl'], as('lead'));
    assert.equal(audit.code, 0, audit.stderr);
    const events = audit.stdout
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { event: string }).event);
    for (const event of ['invite-created', 'invite-used', 'invite-revoked', 'refused'])
      assert.ok(events.includes(event), event);
  });
});
