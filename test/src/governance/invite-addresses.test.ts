/**
 * A relay given several public addresses (`--public-url`, repeated or a comma list, or ENCLAVE_PUBLIC_URL)
 * puts them all in the invite links its leads create, and the CLI redeeming such a link tries them in turn:
 * here the first address is dead and the invitee still joins through the second.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { linkAddresses, parseLink } from '@enclave/shared';
import { type RelayProcess, runCli, startRelayProcess } from '../support/cli.js';

/** Nothing listens on port 1 of the loopback: a connection there is refused at once. */
const DEAD = 'ws://127.0.0.1:1';

describe('invite links with every address of the service (CLI, real relay process)', function () {
  this.timeout(60_000);
  let dir: string;
  let lead: string;
  let port: number;
  let relay: RelayProcess | undefined;
  const identity = (who: string): string => join(dir, `${who}.json`);
  const as = (who: string, url: string): Record<string, string> => ({
    ENCLAVE_RELAY: url,
    ENCLAVE_IDENTITY: identity(who),
  });
  /** The relay on the same data and port, with `extra` flags and environment. */
  const restart = async (extra: { args?: string[]; env?: Record<string, string> }): Promise<RelayProcess> => {
    await relay?.stop();
    relay = await startRelayProcess(join(dir, 'data'), lead, port, extra);
    return relay;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'enclave-invite-addresses-'));
    const keys = [];
    for (const who of ['lead', 'ines']) {
      keys.push((await runCli(['identity', 'new', '--name', who, '--out', identity(who)])).stdout.trim());
    }
    lead = keys[0]!;
    relay = await startRelayProcess(join(dir, 'data'), lead);
    port = Number(new URL(relay.url).port);
    assert.equal((await runCli(['space', 'create', 'lab'], as('lead', relay.url))).code, 0);
  });
  after(async () => {
    await relay?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('puts every --public-url in the link, and the invitee joins through the one that answers', async () => {
    const { url } = await restart({ args: ['--public-url', DEAD, '--public-url', `${DEAD},ws://127.0.0.1:${port}`] });
    const created = await runCli(['invite', 'lab', '--role', 'viewer', '--expires', '1h'], as('lead', url));
    assert.equal(created.code, 0, created.stderr);
    // Printed just after the listening line: by now it is there.
    assert.match(relay!.output(), new RegExp(`Invite links give the addresses ${DEAD}, ws://127.0.0.1:${port}`));
    const link = parseLink(created.stdout.trim());
    assert.deepEqual(linkAddresses(link), [DEAD, `ws://127.0.0.1:${port}`]);

    const joined = await runCli(['join', created.stdout.trim()], { ENCLAVE_IDENTITY: identity('ines') });
    assert.equal(joined.code, 0, joined.stderr);
    assert.match(joined.stdout, /joined lab as viewer/);
    assert.equal((await runCli(['members', 'lab'], as('ines', url))).code, 0, 'now a member');
  });

  it('takes the addresses from ENCLAVE_PUBLIC_URL too; without any, the link has the address the lead used', async () => {
    const withEnv = await restart({ env: { ENCLAVE_PUBLIC_URL: 'wss://a.example, wss://b.example:8443' } });
    const created = await runCli(['invite', 'lab', '--role', 'viewer'], as('lead', withEnv.url));
    assert.deepEqual(linkAddresses(parseLink(created.stdout.trim())), ['wss://a.example', 'wss://b.example:8443']);

    const plain = await restart({ env: { ENCLAVE_PUBLIC_URL: '' } });
    const before = await runCli(['invite', 'lab', '--role', 'viewer'], as('lead', plain.url));
    assert.deepEqual(linkAddresses(parseLink(before.stdout.trim())), [plain.url]);
  });

  it('refuses a --public-url that is not a ws:// or wss:// address', async () => {
    const result = await runCli([
      'relay',
      '--data',
      join(dir, 'other'),
      '--admin',
      lead,
      '--port',
      '0',
      '--public-url',
      'http://x',
    ]);
    assert.notEqual(result.code, 0);
    assert.match(
      result.stderr,
      /--public-url \(or ENCLAVE_PUBLIC_URL\): relay URL "http:\/\/x" must start with ws:\/\//,
    );
  });
});
