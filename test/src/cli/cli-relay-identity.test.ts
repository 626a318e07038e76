/**
 * `enclave relay --relay-identity FILE` (or ENCLAVE_RELAY_IDENTITY): relays of one service share one key.
 * A missing file is created with mode 0600 and reused after a restart; a file that is not a relay key stops
 * the relay with a message naming it, and is left as it was.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateIdentity } from '@enclave/shared';
import { runCli, startRelayProcess } from '../support/cli.js';

const relayId = (output: string): string | undefined => /relay id (\S+)/.exec(output)?.[1];

describe('enclave relay --relay-identity', function () {
  this.timeout(60_000);
  let dir: string;
  let admin: string;
  before(async () => {
    admin = (await generateIdentity('Admin')).publicKey;
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'enclave-relay-identity-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates the file (0600) if missing, and a second relay with the same file has the same id', async () => {
    const file = join(dir, 'service-key.json');
    const first = await startRelayProcess(join(dir, 'a'), admin, 0, { env: { ENCLAVE_RELAY_IDENTITY: file } });
    const second = await startRelayProcess(join(dir, 'b'), admin, 0, { args: ['--relay-identity', file] });
    try {
      assert.equal(statSync(file).mode & 0o777, 0o600);
      assert.ok(relayId(first.output()));
      assert.equal(relayId(second.output()), relayId(first.output()));
    } finally {
      assert.equal(await first.stop(), 0);
      assert.equal(await second.stop(), 0);
    }
    const alone = await startRelayProcess(join(dir, 'c'), admin);
    try {
      assert.notEqual(relayId(alone.output()), relayId(first.output()), 'without the flag: its own key');
    } finally {
      await alone.stop();
    }
  });

  it('refuses a file that is not a relay key, naming it, and leaves it untouched', async () => {
    const file = join(dir, 'wrong.json');
    writeFileSync(file, '{"not":"a key"}', { mode: 0o600 });
    const result = await runCli([
      'relay',
      '--data',
      join(dir, 'd'),
      '--admin',
      admin,
      '--port',
      '0',
      '--relay-identity',
      file,
    ]);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /--relay-identity: relay identity .*wrong\.json/);
    assert.equal(readFileSync(file, 'utf8'), '{"not":"a key"}');
  });
});
