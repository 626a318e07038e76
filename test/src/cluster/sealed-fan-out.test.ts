/**
 * A sealed space across two relays on one storage: entries one relay stores reach the peers on the other
 * (which forwards them without storing them again), sealed presence crosses, and a client's snapshot
 * stored through one relay is what a member joining through the other starts from.
 */
import assert from 'node:assert/strict';
import * as Y from 'yjs';
import {
  CloseCode,
  type EnclaveConnection,
  type NoticeMessage,
  type PublicKeyText,
  generateIdentity,
  type Identity,
  newDocumentId,
  SealedSession,
  shareMissingKeys,
  SpaceKeys,
} from '@enclave/shared';
import { type ClusterFixture, metricValue, startCluster } from '../support/cluster-fixture.js';
import { RedisServer } from '../support/redis-server.js';
import { connect } from '../support/relay-fixture.js';
import { waitFor } from '../support/wait.js';

const SPACE = 'vault';

interface Member {
  readonly identity: Identity;
  readonly keys: SpaceKeys;
}

describe('a sealed space across relays', function () {
  this.timeout(60_000);
  let redis: RedisServer;
  let cluster: ClusterFixture;
  let lead: Member;
  let bob: Member;
  const sessions: { session: SealedSession; connection: EnclaveConnection }[] = [];

  before(async () => {
    redis = await RedisServer.start();
  });
  after(async () => redis.close());

  beforeEach(async () => {
    cluster = await startCluster(redis, 2);
    const bobIdentity = await generateIdentity('Bob');
    lead = { identity: cluster.admin, keys: new SpaceKeys(SPACE, cluster.admin) };
    bob = { identity: bobIdentity, keys: new SpaceKeys(SPACE, bobIdentity) };
    const connection = connect(cluster.urls[0]!, lead.identity, { space: SPACE });
    try {
      const request = ((r) => connection.request(r)) as Parameters<SpaceKeys['refresh']>[0];
      await connection.request({ op: 'space.create', name: 'Lead', sealed: true });
      await lead.keys.rotate(request, [lead.identity.publicKey]);
      await connection.request({ op: 'members.grant', publicKey: bob.identity.publicKey, role: 'editor', name: 'Bob' });
      assert.deepEqual(await shareMissingKeys(connection, lead.keys), { wrapped: 1, refused: [] });
    } finally {
      connection.destroy();
    }
  });

  afterEach(async () => {
    for (const { session, connection } of sessions.splice(0)) {
      session.destroy();
      connection.destroy();
    }
    await cluster.close();
  });

  async function open(url: string, member: Member, id: string, create = false): Promise<Y.Doc> {
    const doc = new Y.Doc();
    const connection = connect(url, member.identity, { space: SPACE, document: id });
    const session = new SealedSession({
      connection,
      doc,
      identity: member.identity,
      keys: member.keys,
      ...(create ? { create: { kind: 'draft' as const, name: 'notes.md' } } : {}),
      snapshotEvery: 5,
    });
    sessions.push({ session, connection });
    await session.whenSynced();
    return doc;
  }

  it('entries, presence and snapshots cross; each entry is stored once', async () => {
    const id = newDocumentId();
    const a = await open(cluster.urls[0]!, lead, id, true);
    const b = await open(cluster.urls[1]!, bob, id);
    const text = (doc: Y.Doc): string => doc.getText('source').toString();
    a.getText('source').insert(0, 'from the lead on A. ');
    await waitFor(() => text(b).includes('from the lead on A'), 'B sees A');
    b.getText('source').insert(0, 'Bob on B. ');
    await waitFor(() => text(a).startsWith('Bob on B. '), 'A sees B');

    sessions[1]!.session.awareness.setLocalStateField('cursor', { at: 3 });
    await waitFor(
      () => [...sessions[0]!.session.awareness.getStates().values()].some((s) => JSON.stringify(s).includes('"at":3')),
      'sealed presence crosses',
    );

    for (let i = 0; i < 12; i++) a.getText('source').insert(0, `${i} `); // past snapshotEvery: a snapshot
    await sessions[0]!.session.flush();
    await waitFor(() => text(b) === text(a), 'converged');
    const stored =
      (await metricValue(cluster.relays[0]!, 'enclave_updates_stored_total')) +
      (await metricValue(cluster.relays[1]!, 'enclave_updates_stored_total'));
    const received = await metricValue(cluster.relays[1]!, 'enclave_fanout_received_total', 'kind="stored"');
    assert.ok(received >= 13, `B heard A's entries (${received})`);
    assert.ok(stored < 2 * received, 'entries from elsewhere are not stored again');

    // A member joining through B starts from what storage (snapshot and log) holds.
    const late = await open(cluster.urls[1]!, bob, id);
    assert.equal(text(late), text(a));
  });
  it('concurrent writers on two relays: every client gets every entry, in seq order', async () => {
    // Clients skip entries below the last seq they applied: a relay that forwarded an entry before an
    // earlier one still on its way from the other relay would make its clients lose the earlier one.
    const id = newDocumentId();
    const a = await open(cluster.urls[0]!, lead, id, true);
    const b = await open(cluster.urls[1]!, bob, id);
    const watcher = await open(cluster.urls[1]!, lead, id);
    for (let i = 0; i < 25; i++) {
      a.getText('source').insert(0, `a${i} `);
      b.getText('source').insert(0, `b${i} `);
      if (i % 5 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all([sessions[0]!.session.flush(), sessions[1]!.session.flush()]);
    const text = (doc: Y.Doc): string => doc.getText('source').toString();
    const complete = (doc: Y.Doc): boolean =>
      Array.from({ length: 25 }, (_, i) => i).every(
        (i) => text(doc).includes(`a${i} `) && text(doc).includes(`b${i} `),
      );
    await waitFor(() => [a, b, watcher].every(complete), 'every client has every entry');
    assert.equal(text(watcher), text(a));
    assert.equal(text(b), text(a));
  });
  it('a key rotation on relay A reaches writers on relay B; a revoking rotation cuts them off there', async () => {
    const id = newDocumentId();
    const a = await open(cluster.urls[0]!, lead, id, true);
    const b = await open(cluster.urls[1]!, bob, id);
    const bobConnection = sessions[1]!.connection;
    const notices: NoticeMessage[] = [];
    bobConnection.on('notice', (notice) => notices.push(notice));
    const rotate = async (revoke?: PublicKeyText): Promise<void> => {
      const connection = connect(cluster.urls[0]!, lead.identity, { space: SPACE });
      try {
        const request = ((r) => connection.request(r)) as Parameters<SpaceKeys['refresh']>[0];
        const { members } = await connection.request({ op: 'members.list' });
        await lead.keys.rotate(
          request,
          members.map((m) => m.publicKey as PublicKeyText),
          revoke,
        );
      } finally {
        connection.destroy();
      }
    };
    await rotate();
    await waitFor(() => notices.some((n) => n.code === 'epoch-changed'), 'the new epoch reaches Bob on B');
    b.getText('source').insert(0, 'sealed under the new key');
    await waitFor(() => a.getText('source').toString() === 'sealed under the new key', 'the lead reads it on A');
    await rotate(bob.identity.publicKey);
    await waitFor(() => bobConnection.lastClose?.code === CloseCode.AccessRevoked, 'Bob is cut off on B');
  });
});
