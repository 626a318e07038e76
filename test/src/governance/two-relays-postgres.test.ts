/**
 * Two relays on one PostgreSQL database, leads on each acting at the same moment through the real protocol:
 * the rules storage keeps atomically hold across relays. Two leads demoting each other leave one lead; two
 * leads approving one request grant it once. (Notifying the other relay's connections is the fan-out's job.)
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateIdentity, type Identity, RequestError } from '@enclave/shared';
import { createRelay, type Relay, silentLogger } from '@enclave/relay';
import { type PrivatePostgres, startPrivatePostgres } from '@enclave/relay/testing/private-postgres';
import { connect, createSpace } from '../support/relay-fixture.js';
import { waitFor } from '../support/wait.js';

const ROUNDS = 5;

describe('two relays on one PostgreSQL: governance races', function () {
  this.timeout(90_000);
  let server: PrivatePostgres;
  let folder: string;
  let relays: Relay[] = [];
  let urls: string[] = [];
  let admin: Identity;
  let second: Identity;

  before(async () => {
    server = await startPrivatePostgres();
    folder = mkdtempSync(join(tmpdir(), 'enclave-two-relays-'));
  });
  after(async () => {
    await server?.close();
    rmSync(folder, { recursive: true, force: true });
  });
  beforeEach(async () => {
    const database = await server.createDatabase();
    admin = await generateIdentity('Admin');
    second = await generateIdentity('Second');
    relays = ['a', 'b'].map((name) =>
      createRelay({
        dataDir: join(folder, `${name}-${Date.now()}`),
        storageUrl: database,
        admins: [admin.publicKey],
        logger: silentLogger,
      }),
    );
    urls = (await Promise.all(relays.map((r) => r.listen()))).map((l) => l.url);
    await createSpace(urls[0]!, admin, 'lab', [{ identity: second, role: 'lead' }]);
  });
  afterEach(async () => {
    await Promise.all(relays.map((r) => r.close()));
  });

  it('two leads on two relays demoting each other at once: one is refused, the space keeps a lead', async () => {
    const onA = connect(urls[0]!, admin, { space: 'lab' });
    const onB = connect(urls[1]!, second, { space: 'lab' });
    try {
      await Promise.all([onA.whenWelcomed(), onB.whenWelcomed()]);
      for (let round = 0; round < ROUNDS; round++) {
        const results = await Promise.allSettled([
          onA.request({ op: 'members.grant', publicKey: second.publicKey, role: 'editor' }),
          onB.request({ op: 'members.grant', publicKey: admin.publicKey, role: 'editor' }),
        ]);
        const refused = results.filter((r) => r.status === 'rejected');
        assert.equal(refused.length, 1, `round ${round}: exactly one demotion refused`);
        const reason = (refused[0] as PromiseRejectedResult).reason as RequestError;
        assert.ok(reason instanceof RequestError && ['last-lead', 'forbidden'].includes(reason.code), String(reason));
        const { members } = await (results[0].status === 'fulfilled' ? onA : onB).request({ op: 'members.list' });
        assert.equal(members.filter((m) => m.role === 'lead').length, 1, `round ${round}: one lead left`);
        // The winner makes the other a lead again for the next round.
        const [winner, loser] = results[0].status === 'fulfilled' ? [onA, second] : [onB, admin];
        await winner.request({ op: 'members.grant', publicKey: loser.publicKey, role: 'lead' });
      }
    } finally {
      onA.destroy();
      onB.destroy();
    }
  });

  it('two leads on two relays approving one request at once: it is granted once', async () => {
    const onA = connect(urls[0]!, admin, { space: 'lab' });
    const onB = connect(urls[1]!, second, { space: 'lab' });
    try {
      await Promise.all([onA.whenWelcomed(), onB.whenWelcomed()]);
      for (let round = 0; round < ROUNDS; round++) {
        const asker = await generateIdentity(`Asker ${round}`);
        const waiting = connect(urls[round % 2]!, asker, { space: 'lab' }, false, {
          accessRequest: { name: `Asker ${round}`, message: 'please' },
        });
        await waitFor(() => waiting.status === 'waiting', 'the request is recorded');
        const { requests } = await onB.request({ op: 'requests.list', status: 'pending' });
        const id = requests.find((r) => r.publicKey === asker.publicKey)!.id;
        const results = await Promise.allSettled([
          onA.request({ op: 'requests.approve', id, role: 'editor' }),
          onB.request({ op: 'requests.approve', id, role: 'viewer' }),
        ]);
        const approved = results.filter((r) => r.status === 'fulfilled');
        assert.equal(approved.length, 1, `round ${round}: one approval`);
        const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
        assert.equal((refused.reason as RequestError).code, 'conflict');
        const { members } = await onA.request({ op: 'members.list' });
        const granted = members.find((m) => m.publicKey === asker.publicKey);
        assert.equal(granted?.role, results[0].status === 'fulfilled' ? 'editor' : 'viewer', "the winner's role");
        const { entries } = await onA.request({ op: 'audit.list', after: 0, limit: 1000 });
        const approvals = entries.filter((e) => e.event === 'request-approved' && e.reason === `request ${id}`);
        assert.equal(approvals.length, 1, 'one approval in the audit log');
        waiting.destroy();
      }
    } finally {
      onA.destroy();
      onB.destroy();
    }
  });
});
