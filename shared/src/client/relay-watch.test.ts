import assert from 'node:assert/strict';
import { RelayWatch } from './relay-watch.js';

const wait = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('RelayWatch', () => {
  it('never pings a relay that did not offer a heartbeat (older relays close on unknown messages)', async () => {
    let pings = 0;
    let silent: string | undefined;
    const watch = new RelayWatch(
      { connectTimeoutMs: 1_000, heartbeatMs: 20, deadAfterMs: 80 },
      { ping: () => pings++, silent: (reason) => (silent = reason) },
    );
    watch.challenged(undefined);
    watch.admitted();
    await wait(200);
    watch.stop();
    assert.equal(pings, 0);
    assert.equal(silent, undefined);
  });

  it('pings after the shorter of both heartbeats, and gives up when nothing answers', async () => {
    let pings = 0;
    let silent: string | undefined;
    const watch = new RelayWatch(
      { connectTimeoutMs: 1_000, heartbeatMs: 1_000, deadAfterMs: 150 },
      { ping: () => pings++, silent: (reason) => (silent = reason) },
    );
    watch.challenged(30);
    watch.admitted();
    await wait(300);
    assert.ok(pings >= 1, `${pings} pings`);
    assert.match(silent ?? '', /^no answer to pings for \d+ ms$/);
  });

  it('says which step of the handshake did not arrive in time', async () => {
    const reasons: string[] = [];
    const options = { connectTimeoutMs: 30, heartbeatMs: 1_000, deadAfterMs: 1_000 };
    new RelayWatch(options, { ping: () => undefined, silent: (r) => reasons.push(r) });
    new RelayWatch(options, { ping: () => undefined, silent: (r) => reasons.push(r) }).challenged(1_000);
    await wait(100);
    assert.deepEqual(reasons.sort(), ['no challenge within 30 ms', 'no welcome within 30 ms']);
  });
});
