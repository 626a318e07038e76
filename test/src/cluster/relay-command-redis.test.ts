/**
 * `enclave relay --redis URL` (or ENCLAVE_REDIS): the relay process joins Redis, says so in /healthz and
 * /metrics, and refuses to start with a clear message when the URL is wrong or Redis cannot be reached.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateIdentity } from '@enclave/shared';
import { runCli, startRelayProcess } from '../support/cli.js';
import { RedisServer } from '../support/redis-server.js';

describe('enclave relay --redis', function () {
  this.timeout(60_000);
  let redis: RedisServer;
  let dir: string;
  let admin: string;

  before(async () => {
    redis = await RedisServer.start();
    admin = (await generateIdentity('Admin')).publicKey;
  });
  after(async () => redis.close());
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'enclave-relay-redis-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('joins Redis from ENCLAVE_REDIS and reports it in /healthz and /metrics', async () => {
    const relay = await startRelayProcess(join(dir, 'data'), admin, 0, { env: { ENCLAVE_REDIS: redis.url } });
    try {
      const http = relay.url.replace(/^ws/, 'http');
      const health = (await (await fetch(`${http}/healthz`)).json()) as { status: string; fanOut: { state: string } };
      assert.equal(health.status, 'ok');
      assert.equal(health.fanOut.state, 'up');
      let metrics = '';
      for (let i = 0; i < 50 && !/enclave_fanout_broker_latency_seconds \d/.test(metrics); i++) {
        await new Promise((resolve) => setTimeout(resolve, 100)); // the first ping is a second after start
        metrics = await (await fetch(`${http}/metrics`)).text();
      }
      assert.match(metrics, /enclave_fanout_broker_latency_seconds \d/);
    } finally {
      assert.equal(await relay.stop(), 0);
    }
  });

  it('refuses a URL that is not redis:// and a Redis it cannot reach, saying which', async () => {
    const wrong = await runCli(['relay', '--data', join(dir, 'a'), '--admin', admin, '--redis', 'http://127.0.0.1:1']);
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, /--redis takes a redis:\/\//);
    const unreachable = await runCli([
      'relay',
      '--data',
      join(dir, 'b'),
      '--admin',
      admin,
      '--port',
      '0',
      '--redis',
      'redis://127.0.0.1:1',
    ]);
    assert.notEqual(unreachable.code, 0);
    assert.match(unreachable.stderr, /cannot reach Redis at redis:\/\/127\.0\.0\.1:1/);
  });
});
