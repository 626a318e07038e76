/**
 * `spaces.mine` on the relay channel (path `/`): any signed key is admitted there, learns exactly the spaces
 * it is a member of (with its role), and can do nothing else: no other space's name, no request that acts on
 * a space, no content.
 */
import assert from 'node:assert/strict';
import { generateIdentity, type Identity, listMySpaces, RELAY_CHANNEL, RequestError } from '@enclave/shared';
import { connect, createSpace, NodeWebSocket, type RelayFixture, startRelay } from '../support/relay-fixture.js';

describe('spaces.mine on the relay channel', () => {
  let fixture: RelayFixture;
  let alice: Identity;
  let bob: Identity;
  let stranger: Identity;

  before(async () => {
    fixture = await startRelay();
    alice = await generateIdentity('Alice');
    bob = await generateIdentity('Bob');
    stranger = await generateIdentity('Stranger');
    await createSpace(fixture.url, fixture.admin, 'lab', [
      { identity: alice, role: 'editor' },
      { identity: bob, role: 'viewer' },
    ]);
    await createSpace(fixture.url, fixture.admin, 'secret-project', [{ identity: bob, role: 'lead' }]);
  });
  after(async () => fixture.close());

  const mine = (identity: Identity) =>
    listMySpaces({ relayUrl: fixture.url, identity, WebSocket: NodeWebSocket }).then((spaces) =>
      [...spaces].sort((a, b) => a.name.localeCompare(b.name)),
    );

  it("lists a member's spaces with their roles, and nothing of the spaces they are not in", async () => {
    assert.deepEqual(await mine(alice), [{ name: 'lab', role: 'editor', sealed: false }]);
    assert.deepEqual(await mine(bob), [
      { name: 'lab', role: 'viewer', sealed: false },
      { name: 'secret-project', role: 'lead', sealed: false },
    ]);
  });

  it('tells a stranger nothing: an empty list, the same as for a key on a relay with no spaces', async () => {
    assert.deepEqual(await mine(stranger), []);
  });

  it('follows revocation at once', async () => {
    const lead = connect(fixture.url, fixture.admin, { space: 'lab' });
    const carol = await generateIdentity('Carol');
    try {
      await lead.request({ op: 'members.grant', publicKey: carol.publicKey, role: 'editor' });
      assert.deepEqual(
        (await mine(carol)).map((s) => s.name),
        ['lab'],
      );
      await lead.request({ op: 'members.revoke', publicKey: carol.publicKey });
      assert.deepEqual(await mine(carol), []);
    } finally {
      lead.destroy();
    }
  });

  it('refuses every request that would act on a space, and grants nothing through the channel', async () => {
    const channel = connect(fixture.url, stranger, RELAY_CHANNEL);
    try {
      const welcome = await channel.whenWelcomed();
      assert.equal(welcome.role, null, 'no role: the relay channel is nobody’s space');
      for (const request of [
        { op: 'members.list' },
        { op: 'documents.list' },
        { op: 'space.create' },
        { op: 'members.grant', publicKey: stranger.publicKey, role: 'lead' },
        { op: 'requests.list' },
      ] as const) {
        await assert.rejects(
          channel.request(request),
          (error: unknown) => error instanceof RequestError && error.code === 'bad-request',
          request.op,
        );
      }
    } finally {
      channel.destroy();
    }
    assert.deepEqual(await mine(stranger), [], 'the stranger is still in no space');
  });
});
