/**
 * What the directory tells a visitor about people, and how often: shared-membership hints name only members
 * of a listed space the visitor shares another space with (as that shared space names them), never one who
 * chose to be hidden; reads are limited per key and per address.
 */
import assert from 'node:assert/strict';
import { DIRECTORY_ROOM, fingerprint, generateIdentity, type Identity, readDirectory } from '@enclave/shared';
import { connect, createSpace, type RelayFixture, startRelay } from '../support/relay-fixture.js';
import { listSpace, openDirectory, rawRequest } from './support.js';

async function knownMembersOf(url: string, visitor: Identity, space: string) {
  const connection = connect(url, visitor, DIRECTORY_ROOM);
  try {
    const entry = (await readDirectory(connection)).find((e) => e.entry.space === space)!.entry;
    return entry.knownMembers;
  } finally {
    connection.destroy();
  }
}

describe('the directory: hints and read limits', function () {
  this.timeout(30_000);

  describe('shared-membership hints', () => {
    let fixture: RelayFixture;
    let visitor: Identity;
    let alice: Identity;
    let bob: Identity;
    let carol: Identity;

    beforeEach(async () => {
      fixture = await startRelay();
      [visitor, alice, bob, carol] = await Promise.all(
        ['Visitor', 'Alice', 'Bob', 'Carol'].map((n) => generateIdentity(n)),
      );
      // The visitor shares 'club' with Alice and Carol; Bob they have never met.
      await createSpace(fixture.url, fixture.admin, 'club', [
        { identity: visitor, role: 'editor' },
        { identity: { ...alice, name: 'Alice (club)' }, role: 'editor' },
        { identity: carol, role: 'viewer' },
      ]);
      await createSpace(fixture.url, fixture.admin, 'lab', [
        { identity: { ...alice, name: 'Alice Lab-Name' }, role: 'editor' },
        { identity: bob, role: 'editor' },
        { identity: carol, role: 'editor' },
      ]);
      // An unlisted space the visitor is not in, shared by Alice and Bob: never a source of hints.
      await createSpace(fixture.url, fixture.admin, 'private', [
        { identity: alice, role: 'editor' },
        { identity: bob, role: 'editor' },
      ]);
      await listSpace(fixture.url, fixture.admin, 'lab');
    });
    afterEach(async () => fixture.close());

    it('names the members the visitor shares a space with, as that space names them, and no one else', async () => {
      const known = await knownMembersOf(fixture.url, visitor, 'lab');
      const expected = [
        { name: 'Admin', fingerprint: await fingerprint(fixture.admin.publicKey) },
        { name: 'Alice (club)', fingerprint: await fingerprint(alice.publicKey) },
        { name: 'Carol', fingerprint: await fingerprint(carol.publicKey) },
      ];
      const byName = (a: { name: string }, b: { name: string }): number => a.name.localeCompare(b.name);
      assert.deepEqual([...known].sort(byName), expected);
      assert.deepEqual(await knownMembersOf(fixture.url, await generateIdentity('Nobody'), 'lab'), [], 'a stranger');
    });

    it('leaves out a member who chose to be hidden, and shows them again when they change their mind', async () => {
      const asCarol = connect(fixture.url, carol, { space: 'lab' });
      assert.deepEqual(await asCarol.request({ op: 'hints.set', hidden: true }), { hidden: true });
      const names = async (): Promise<string[]> =>
        (await knownMembersOf(fixture.url, visitor, 'lab')).map((p) => p.name).sort();
      assert.deepEqual(await names(), ['Admin', 'Alice (club)']);
      await asCarol.request({ op: 'hints.set', hidden: false });
      assert.deepEqual(await names(), ['Admin', 'Alice (club)', 'Carol']);
      asCarol.destroy();
    });

    it('gives a member of the listed space no hints through that space itself', async () => {
      // Bob shares 'lab' with everyone in it, but another space only with Alice and the admin ('private').
      const known = (await knownMembersOf(fixture.url, bob, 'lab')).map((p) => p.name).sort();
      assert.deepEqual(known, ['Admin', 'Alice'], "named as 'private' names them");
    });

    it('lets only members choose to be hidden', async () => {
      await createSpace(fixture.url, fixture.admin, 'solo', [{ identity: bob, role: 'lead' }]);
      const asBob = connect(fixture.url, bob, { space: 'solo' });
      await asBob.request({ op: 'members.revoke', publicKey: fixture.admin.publicKey });
      asBob.destroy();
      const admin = connect(fixture.url, fixture.admin, { space: 'solo' });
      assert.equal((await admin.whenWelcomed()).role, null);
      await assert.rejects(admin.request({ op: 'hints.set', hidden: true }), /not a member/);
      admin.destroy();
    });
  });

  describe('read limits', () => {
    let fixture: RelayFixture;
    beforeEach(async () => {
      fixture = await startRelay({ limits: { directoryReadBurst: 3, directoryReadsPerMinute: 1 } });
    });
    afterEach(async () => fixture.close());

    it('limits reads per address (whatever the key) and per key (whatever the address)', async () => {
      const first = await generateIdentity('Scraper');
      const scraper = await openDirectory(fixture.url, first);
      const answers: boolean[] = [];
      for (let id = 1; id <= 4; id++) answers.push((await rawRequest(scraper, { op: 'directory.list' }, id)).ok);
      assert.deepEqual(answers, [true, true, true, false]);
      const refused = await rawRequest(scraper, { op: 'directory.list' }, 5);
      assert.equal(refused.error?.code, 'rate-limited');
      assert.match(refused.error!.message, /try again in 60 s/);
      scraper.close();

      // A fresh key from the same address: the address is out of reads.
      const second = await openDirectory(fixture.url, await generateIdentity('Second key'));
      assert.equal((await rawRequest(second, { op: 'directory.list' }, 1)).error?.code, 'rate-limited');
      second.close();

      // The first key from another loopback address: the key is out of reads.
      const moved = await openDirectory(fixture.url, first, { localAddress: '127.0.0.2' });
      assert.equal((await rawRequest(moved, { op: 'directory.list' }, 1)).error?.code, 'rate-limited');
      // A fresh key there reads.
      const fresh = await openDirectory(fixture.url, await generateIdentity('Neighbour'), {
        localAddress: '127.0.0.2',
      });
      assert.equal((await rawRequest(fresh, { op: 'directory.list' }, 1)).ok, true);
      moved.close();
      fresh.close();
    });

    it('ends a directory visit after directoryVisitMs, so strangers cannot hold connections open', async () => {
      const short = await startRelay({ limits: { directoryVisitMs: 300 } });
      try {
        const visitor = await openDirectory(short.url, await generateIdentity('Lingerer'));
        const closed = await visitor.closed();
        assert.equal(closed.code, 1000);
        assert.match(closed.reason, /directory visit over/);
      } finally {
        await short.close();
      }
    });
  });
});
