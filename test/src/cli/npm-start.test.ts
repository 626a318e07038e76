/**
 * `npm start` (scripts/start-local.mjs) run for real: it names the person sensibly (git's user.name, else
 * "Lead" when no terminal can ask), never after the operating-system account, renames an identity an earlier
 * version named after that account, and starts a relay that answers on the port it printed.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { generateIdentity, serializeIdentity } from '@enclave/shared';
import { REPO_ROOT } from '../support/paths.js';
import { waitFor } from '../support/wait.js';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('npm start (scripts/start-local.mjs)', function () {
  this.timeout(60_000);
  let dir: string;
  let child: ChildProcess | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'enclave-npm-start-'));
  });
  afterEach(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    child = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs the script with no terminal attached and git's global config replaced by `gitName` (or none). */
  async function start(gitName: string | undefined): Promise<{ output: () => string; port: number }> {
    const gitConfig = join(dir, 'gitconfig');
    writeFileSync(gitConfig, gitName ? `[user]\n\tname = ${gitName}\n` : '');
    const port = await freePort();
    child = spawn(process.execPath, [join(REPO_ROOT, 'scripts/start-local.mjs')], {
      cwd: dir, // not inside a git repository, so no repository config names anyone
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        ENCLAVE_DATA: join(dir, 'data'),
        ENCLAVE_PORT: String(port),
        GIT_CONFIG_GLOBAL: gitConfig,
        GIT_CONFIG_NOSYSTEM: '1',
      },
    });
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    await waitFor(() => output.includes('listening') || child!.exitCode !== null, 'the relay starts', 30_000);
    assert.equal(child.exitCode, null, output);
    return { output: () => output, port };
  }

  const identityName = (): string =>
    (JSON.parse(readFileSync(join(dir, 'data/you.identity.json'), 'utf8')) as { name: string }).name;

  it("names a new identity after git's user.name and starts a relay on the printed port", async () => {
    const { output, port } = await start('Ada Lovelace');
    assert.equal(identityName(), 'Ada Lovelace');
    assert.match(output(), /your name:\s+Ada Lovelace/);
    assert.match(output(), new RegExp(`ws://127\\.0\\.0\\.1:${port}`));
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    assert.equal(health.status, 200);
  });

  it('without a git name or a terminal to ask, says "Lead", not the operating-system account', async () => {
    await start(undefined);
    assert.equal(identityName(), 'Lead');
    assert.notEqual(identityName(), userInfo().username);
  });

  it('renames an identity an earlier version named after the operating-system account, keeping its key', async () => {
    const old = await generateIdentity(userInfo().username);
    mkdirSync(join(dir, 'data'), { recursive: true });
    writeFileSync(join(dir, 'data/you.identity.json'), serializeIdentity(old));
    await start('Grace Hopper');
    const kept = JSON.parse(readFileSync(join(dir, 'data/you.identity.json'), 'utf8')) as {
      name: string;
      publicKey: string;
    };
    assert.equal(kept.name, 'Grace Hopper');
    assert.equal(kept.publicKey, old.publicKey);
  });
});
