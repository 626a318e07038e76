/**
 * Durability: the relay is killed with SIGKILL right after a push returns; after a restart, a pull equals
 * what was pushed. A graceful stop (SIGTERM) also keeps everything, compacted.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { normalizeNotebook, parseIpynb } from '@enclave/shared';
import { runCli, startRelayProcess } from '../support/cli.js';
import { FIXTURE_NOTEBOOKS } from '../support/paths.js';

describe('durability across relay crashes', function () {
  this.timeout(120_000);
  let dir: string;
  let admin: string;
  let env: Record<string, string>;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'enclave-durable-'));
    admin = (await runCli(['identity', 'new', '--name', 'Lead', '--out', join(dir, 'lead.json')])).stdout.trim();
    env = { ENCLAVE_IDENTITY: join(dir, 'lead.json') };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps a push acknowledged just before SIGKILL', async () => {
    const data = join(dir, 'data');
    let relay = await startRelayProcess(data, admin);
    const at = { ...env, ENCLAVE_RELAY: relay.url };
    assert.equal((await runCli(['space', 'create', 'lab'], at)).code, 0);
    const notebook = join(FIXTURE_NOTEBOOKS, 'Activation_Patching_in_TL_Demo.ipynb');
    const draft = join(dir, 'draft.md');
    writeFileSync(draft, 'the last words before the crash\r\n');
    assert.equal((await runCli(['push', 'lab/nb.ipynb', notebook], at)).code, 0);
    assert.equal((await runCli(['push', 'lab/draft.md', draft], at)).code, 0);
    await relay.kill('SIGKILL');

    relay = await startRelayProcess(data, admin);
    try {
      const after = { ...env, ENCLAVE_RELAY: relay.url };
      assert.equal((await runCli(['pull', 'lab/nb.ipynb', '--out', join(dir, 'nb.ipynb')], after)).code, 0);
      assert.equal((await runCli(['pull', 'lab/draft.md', '--out', join(dir, 'out.md')], after)).code, 0);
      assert.deepEqual(
        normalizeNotebook(parseIpynb(readFileSync(join(dir, 'nb.ipynb'), 'utf8'))),
        normalizeNotebook(parseIpynb(readFileSync(notebook, 'utf8'))),
      );
      assert.deepEqual(readFileSync(join(dir, 'out.md')), readFileSync(draft));
    } finally {
      await relay.stop();
    }
  });

  it('stops gracefully on SIGTERM (exit 0) and keeps everything', async () => {
    const data = join(dir, 'data');
    let relay = await startRelayProcess(data, admin);
    const draft = join(dir, 'd.md');
    writeFileSync(draft, 'graceful\n');
    assert.equal((await runCli(['space', 'create', 'lab'], { ...env, ENCLAVE_RELAY: relay.url })).code, 0);
    assert.equal((await runCli(['push', 'lab/d.md', draft], { ...env, ENCLAVE_RELAY: relay.url })).code, 0);
    assert.equal(await relay.stop(), 0);
    assert.match(relay.output(), /"relay stopped"/);
    relay = await startRelayProcess(data, admin);
    try {
      assert.equal(
        (await runCli(['pull', 'lab/d.md', '--out', join(dir, 'o.md')], { ...env, ENCLAVE_RELAY: relay.url })).code,
        0,
      );
      assert.equal(readFileSync(join(dir, 'o.md'), 'utf8'), 'graceful\n');
    } finally {
      await relay.stop();
    }
  });
});
