/**
 * The directory from the command line, against a real relay process: a lead lists and unlists, anyone reads
 * (each listing verified, the lead's fingerprint shown), asks to join from a listing (refused when the
 * listing does not verify or is not the expected lead's), leads see where a request came from, a listing
 * altered in the relay's database is shown as not verified, and `relay --no-directory` switches it off.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fingerprint } from '@enclave/shared';
import { SqliteStorage, DATABASE_FILE } from '@enclave/relay';
import { type RelayProcess, runCli, startRelayProcess } from '../support/cli.js';

describe('CLI: the directory (real relay process)', function () {
  this.timeout(60_000);
  let dir: string;
  let relay: RelayProcess;
  const keys: Record<string, string> = {};
  const as = (who: string): Record<string, string> => ({
    ENCLAVE_RELAY: relay.url,
    ENCLAVE_IDENTITY: join(dir, `${who}.json`),
  });
  const ok = async (args: string[], who: string): Promise<string> => {
    const result = await runCli(args, as(who));
    assert.equal(result.code, 0, `enclave ${args.join(' ')}: ${result.stderr}`);
    return result.stdout;
  };
  const listArgs = [
    'space',
    'list',
    'lab',
    '--title',
    'Interpretability reading group',
    '--description',
    'Induction heads in small transformers',
    '--expectations',
    'Cite drafts before sharing them',
    '--show-agreement',
  ];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'enclave-cli-directory-'));
    for (const who of ['lead', 'editor', 'visitor']) {
      const made = await runCli(['identity', 'new', '--name', who, '--out', join(dir, `${who}.json`)]);
      assert.equal(made.code, 0, made.stderr);
      keys[who] = made.stdout.trim();
    }
    relay = await startRelayProcess(join(dir, 'data'), keys['lead']!);
    await ok(['space', 'create', 'lab'], 'lead');
    await ok(['space', 'create', 'quiet'], 'lead');
    await ok(['grant', 'lab', keys['editor']!, '--role', 'editor'], 'lead');
    writeFileSync(join(dir, 'agreement.txt'), 'Share nothing outside the group.\n');
    await ok(['agreement', 'set', 'lab', join(dir, 'agreement.txt')], 'lead');
    writeFileSync(join(dir, 'notes.md'), 'the lab notebook\n');
    await ok(['push', 'lab/notes.md', join(dir, 'notes.md')], 'lead');
  });

  afterEach(async () => {
    await relay?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists a space; a visitor reads it verified, asks from it, and pulls once approved', async () => {
    assert.match(await ok(['directory'], 'visitor'), /^no space is listed on this relay$/m);
    assert.match(await ok(listArgs, 'lead'), /listed lab .* with its agreement shown, signed by you/);
    const leadFingerprint = await fingerprint(keys['lead']!);

    const text = await ok(['directory'], 'visitor');
    assert.match(text, /^lab: Interpretability reading group$/m);
    assert.match(text, new RegExp(`verified: signed by lead \\(${leadFingerprint}\\)`));
    assert.match(text, /2 member\(s\)/);
    assert.match(text, /Share nothing outside the group\./);
    assert.doesNotMatch(text, /quiet|notes\.md|the lab notebook/);
    const json = JSON.parse(await ok(['directory', '--json'], 'visitor')) as { space: string; verified: boolean }[];
    assert.deepEqual(
      json.map((e) => [e.space, e.verified]),
      [['lab', true]],
    );

    const wrong = await runCli(
      ['directory', 'ask', 'lab', '--message', 'hi', '--lead-fingerprint', '0000-0000-0000-0000'],
      as('visitor'),
    );
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /not by the lead fingerprint 0000-0000-0000-0000 you expected; not asking/);

    const asked = await runCli(
      ['directory', 'ask', 'lab', '--message', 'saw your listing', '--lead-fingerprint', leadFingerprint],
      as('visitor'),
    );
    assert.equal(asked.code, 0, asked.stderr);
    assert.match(asked.stdout, /access request sent to the leads of lab/);
    assert.match(asked.stderr, /sign its agreement before you see any content/);

    const requests = await ok(['requests', 'lab'], 'lead');
    assert.match(requests, /VIA/);
    assert.match(requests, /visitor\s+[0-9a-f-]+\s+directory\s+saw your listing/);
    const id = /^([0-9a-f]{12})\s/m.exec(requests)![1]!;
    await ok(['approve', 'lab', id, '--role', 'viewer'], 'lead');
    await ok(['agreement', 'sign', 'lab', '--yes'], 'visitor');
    await ok(['pull', 'lab/notes.md', '--out', join(dir, 'pulled.md')], 'visitor');
    assert.equal(readFileSync(join(dir, 'pulled.md'), 'utf8'), 'the lab notebook\n');
  });

  it('unlists at once; only leads list; members choose whether hints show them', async () => {
    await ok(['agreement', 'sign', 'lab', '--yes'], 'editor');
    const notLead = await runCli(listArgs, as('editor'));
    assert.equal(notLead.code, 3, notLead.stderr);
    assert.match(notLead.stderr, /only a lead/);
    await ok(listArgs, 'lead');
    assert.match(await ok(['space', 'unlist', 'lab'], 'lead'), /no longer listed/);
    assert.match(await ok(['directory'], 'visitor'), /no space is listed/);
    const again = await runCli(['space', 'unlist', 'lab'], as('lead'));
    assert.equal(again.code, 4);
    const asked = await runCli(['directory', 'ask', 'lab'], as('visitor'));
    assert.equal(asked.code, 4);
    assert.match(asked.stderr, /lab is not listed in this relay's directory/);
    assert.match(await ok(['space', 'hide-me', 'lab'], 'editor'), /will not tell visitors/);
    assert.match(await ok(['space', 'show-me', 'lab'], 'editor'), /may see that you are a member/);
    const audit = await ok(['audit', 'lab', '--json'], 'lead');
    const events = (JSON.parse(audit) as { event: string }[]).map((e) => e.event);
    assert.ok(events.includes('listed') && events.includes('unlisted'), events.join(', '));
  });

  it('shows a listing altered in the relay database as NOT VERIFIED, and will not ask from it', async () => {
    await ok(listArgs, 'lead');
    await relay.stop();
    const storage = new SqliteStorage(join(dir, 'data', DATABASE_FILE));
    const stored = (await storage.getListing('lab'))!;
    await storage.putListing({ ...stored, title: 'Free GPU hours, no questions asked' });
    await storage.close();
    relay = await startRelayProcess(join(dir, 'data'), keys['lead']!);

    const read = await runCli(['directory'], as('visitor'));
    assert.equal(read.code, 0, read.stderr);
    assert.match(read.stderr, /NOT VERIFIED: the listing of lab cannot be trusted: it does not match its signature/);
    assert.match(read.stdout, /NOT VERIFIED/);
    assert.doesNotMatch(read.stdout, /ask to join/);
    const json = JSON.parse((await runCli(['directory', '--json'], as('visitor'))).stdout) as {
      verified: boolean;
      problem: string;
    }[];
    assert.equal(json[0]!.verified, false);
    assert.match(json[0]!.problem, /altered or forged/);
    const asked = await runCli(['directory', 'ask', 'lab'], as('visitor'));
    assert.equal(asked.code, 1);
    assert.match(asked.stderr, /cannot be trusted.*; not asking/);
    assert.doesNotMatch(await ok(['requests', 'lab'], 'lead'), /visitor/);
  });

  it('refuses the directory, clearly, on a relay started with --no-directory', async () => {
    await relay.stop();
    relay = await startRelayProcess(join(dir, 'data'), keys['lead']!, 0, { args: ['--no-directory'] });
    const read = await runCli(['directory'], as('visitor'));
    assert.equal(read.code, 3);
    assert.equal(read.stderr.trim(), "enclave: this relay's directory is switched off");
    const list = await runCli(listArgs, as('lead'));
    assert.equal(list.code, 3);
    assert.match(list.stderr, /switched off/);
  });
});
