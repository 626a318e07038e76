/**
 * Names and a readable audit log, through the real CLI and a real relay process: newcomers are called what
 * they chose (invite, request, their identity), a lead's name wins, the audit log shows names with short
 * fingerprints and no full keys, and commands do not flood it. Errors name the relay URL actually used.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AuditEntry, fingerprint, formatLink, type Member, shortFingerprint } from '@enclave/shared';
import { type RelayProcess, runCli, startRelayProcess } from '../support/cli.js';

/** A loopback port nothing listens on (taken, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('names and the audit log (CLI, real relay process)', function () {
  this.timeout(60_000);
  let dir: string;
  let relay: RelayProcess;
  const keys: Record<string, string> = {};
  const file = (who: string): string => join(dir, `${who}.json`);
  const as = (who: string): Record<string, string> => ({ ENCLAVE_RELAY: relay.url, ENCLAVE_IDENTITY: file(who) });
  const members = async (): Promise<Member[]> => {
    const listed = await runCli(['members', 'lab', '--json'], as('ada'));
    assert.equal(listed.code, 0, listed.stderr);
    return JSON.parse(listed.stdout) as Member[];
  };
  const nameOf = async (who: string): Promise<string | undefined> =>
    (await members()).find((m) => m.publicKey === keys[who])?.name;
  const audit = async (): Promise<AuditEntry[]> =>
    JSON.parse((await runCli(['audit', 'lab', '--json'], as('ada'))).stdout) as AuditEntry[];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'enclave-names-'));
    const names = { ada: 'Ada Lovelace', ines: 'Ines Q', rosa: 'Rosa Franklin', gus: 'Gus', hal: 'Hal' };
    for (const [who, name] of Object.entries(names)) {
      const made = await runCli(['identity', 'new', '--name', name, '--out', file(who)]);
      assert.equal(made.code, 0, made.stderr);
      keys[who] = made.stdout.trim();
    }
    relay = await startRelayProcess(join(dir, 'data'), keys['ada']!);
    assert.equal((await runCli(['space', 'create', 'lab'], as('ada'))).code, 0);
    writeFileSync(join(dir, 'notes.md'), 'members only\n');
  });
  after(async () => {
    await relay?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('calls the lead what their identity says', async () => {
    assert.equal(await nameOf('ada'), 'Ada Lovelace');
  });

  it('records the name an invitee chose when they join with a link', async () => {
    const link = (await runCli(['invite', 'lab', '--role', 'editor'], as('ada'))).stdout.trim();
    const joined = await runCli(['join', link], { ENCLAVE_IDENTITY: file('ines') });
    assert.equal(joined.code, 0, joined.stderr);
    assert.equal(await nameOf('ines'), 'Ines Q');
    const used = (await audit()).find((e) => e.event === 'invite-used');
    assert.equal(used?.actorName, 'Ines Q');
    assert.equal(used?.actorFingerprint, await fingerprint(keys['ines']!));
  });

  it("records a requester's name from their identity, and keeps it when a lead approves", async () => {
    const asked = await runCli(['request', 'lab', '--message', 'from the Franklin lab'], as('rosa'));
    assert.equal(asked.code, 0, asked.stderr);
    const listed = await runCli(['requests', 'lab', '--json'], as('ada'));
    const [request] = JSON.parse(listed.stdout) as { id: string; name: string }[];
    assert.equal(request?.name, 'Rosa Franklin');
    assert.equal((await runCli(['approve', 'lab', request!.id, '--role', 'viewer'], as('ada'))).code, 0);
    assert.equal(await nameOf('rosa'), 'Rosa Franklin');
  });

  it("names a member granted without a name by their own choice, but never over a lead's name", async () => {
    assert.equal((await runCli(['grant', 'lab', keys['gus']!, '--role', 'editor'], as('ada'))).code, 0);
    assert.match((await nameOf('gus')) ?? '', /^key /, 'unnamed until they connect');
    assert.equal((await runCli(['docs', 'lab'], as('gus'))).code, 0);
    assert.equal(await nameOf('gus'), 'Gus');

    assert.equal(
      (await runCli(['grant', 'lab', keys['hal']!, '--role', 'editor', '--name', 'Dr Hal'], as('ada'))).code,
      0,
    );
    assert.equal((await runCli(['docs', 'lab'], as('hal'))).code, 0);
    assert.equal(await nameOf('hal'), 'Dr Hal', "the lead's name stays");
  });

  it('shows names with short fingerprints in the audit log, never full keys, even after a revoke', async () => {
    assert.equal((await runCli(['revoke', 'lab', keys['hal']!], as('ada'))).code, 0);
    const text = await runCli(['audit', 'lab'], as('ada'));
    assert.equal(text.code, 0, text.stderr);
    for (const key of Object.values(keys)) assert.ok(!text.stdout.includes(key), `no full key in:\n${text.stdout}`);
    const hal = `Dr Hal (${shortFingerprint(await fingerprint(keys['hal']!))})`;
    const ada = `Ada Lovelace (${shortFingerprint(await fingerprint(keys['ada']!))})`;
    assert.match(text.stdout, new RegExp(`revoked\\s+${escape(ada)}\\s+${escape(hal)}`));
    assert.match(text.stdout, /invite-used\s+Ines Q \(/);
  });

  it('writes at most one entry for a command that opens a document, and none for one that only asks', async () => {
    const before = (await audit()).length;
    const commands = [
      ['members', 'lab'],
      ['docs', 'lab'],
      ['push', 'lab/notes.md', join(dir, 'notes.md')],
      ['pull', 'lab/notes.md', '--out', join(dir, 'out.md')],
      ['members', 'lab', '--json'],
      ['invites', 'lab'],
      ['requests', 'lab'],
    ];
    for (const args of commands) assert.equal((await runCli(args, as('ada'))).code, 0, args.join(' '));
    const added = (await audit()).slice(before);
    // push: the document's creation and one 'joined'; pull: one 'joined'; the five others: nothing.
    assert.deepEqual(
      added.map((e) => [e.event, e.room]),
      [
        ['document-created', 'lab/notes.md'],
        ['joined', 'lab/notes.md'],
        ['joined', 'lab/notes.md'],
      ],
    );
    assert.ok(
      added
        .filter((e) => e.event === 'joined')
        .every((e) => e.actorName === 'Ada Lovelace' && /^briefly/.test(e.reason!)),
    );
  });

  it('names the relay URL it used when that relay cannot be reached', async () => {
    const [fromEnv, fromFlag] = [await closedPort(), await closedPort()];
    const env = { ENCLAVE_RELAY: `ws://127.0.0.1:${fromEnv}`, ENCLAVE_IDENTITY: file('ada') };
    const failed = await runCli(['members', 'lab', '--relay', `ws://127.0.0.1:${fromFlag}`], env);
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, new RegExp(`cannot reach the relay at ws://127.0.0.1:${fromFlag}\\b`));
    assert.ok(!failed.stderr.includes(`:${fromEnv}`), failed.stderr);

    const link = formatLink({ kind: 'join', relay: `ws://127.0.0.1:${fromFlag}`, space: 'lab', token: 'x'.repeat(43) });
    const joined = await runCli(['join', link], env);
    assert.equal(joined.code, 1);
    assert.match(joined.stderr, new RegExp(`at ws://127.0.0.1:${fromFlag}\\b`));
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
