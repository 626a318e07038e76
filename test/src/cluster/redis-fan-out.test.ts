/**
 * Several relays on one storage with a real Redis between them: members on different relays edit one
 * notebook and converge, presence crosses, a revocation on one relay cuts the member off on another, and
 * edits made while Redis is down or a relay is cut off from it reach everyone afterwards, once each.
 */
import assert from 'node:assert/strict';
import { YNotebook } from '@jupyter/ydoc';
import * as Y from 'yjs';
import {
  answerChallenge,
  CloseCode,
  encodeClientMessage,
  generateIdentity,
  type Identity,
  importSigningKey,
  insertNotebookCells,
  readNotebook,
} from '@enclave/shared';
import { encodeDocumentMessage, fanOutKey, FanOutKind, sealFanOutMessage } from '@enclave/relay';
import { type ClusterFixture, metricValue, startCluster } from '../support/cluster-fixture.js';
import { FreezableProxy } from '../support/freezable-proxy.js';
import { RedisServer } from '../support/redis-server.js';
import { connect, createSpace, openDocument, type OpenDocument } from '../support/relay-fixture.js';
import { waitFor } from '../support/wait.js';
import { WireRecorder } from '../support/wire-recorder.js';

const DRAFT = { space: 'team', document: 'draft.md' };

/** What storage holds for a document, rebuilt as a client would load it. */
async function storedText(cluster: ClusterFixture, document: string): Promise<string> {
  const state = await cluster.storage.loadDocument('team', document);
  const doc = new Y.Doc();
  if (state.snapshot) Y.applyUpdate(doc, state.snapshot);
  state.updates.forEach((u) => Y.applyUpdate(doc, u));
  return doc.getText('source').toString();
}

async function storedUpdates(cluster: ClusterFixture): Promise<number> {
  let sum = 0;
  for (const relay of cluster.relays) sum += await metricValue(relay, 'enclave_updates_stored_total');
  return sum;
}

describe('relays on one storage, Redis between them', function () {
  this.timeout(60_000);
  let redis: RedisServer;
  let cluster: ClusterFixture | undefined;
  let proxy: FreezableProxy | undefined;
  const open: OpenDocument[] = [];
  let ann: Identity;
  let ben: Identity;

  before(async () => {
    redis = await RedisServer.start();
    ann = await generateIdentity('Ann');
    ben = await generateIdentity('Ben');
  });
  after(async () => redis.close());
  afterEach(async () => {
    open.splice(0).forEach((peer) => peer.close());
    await cluster?.close();
    await proxy?.close();
    cluster = undefined;
    proxy = undefined;
    await redis.resume(); // a test that stopped it must not leave the next without
  });

  async function setUp(count: number, redisUrls?: (string | undefined)[]): Promise<ClusterFixture> {
    cluster = await startCluster(redis, count, { redisUrls });
    await createSpace(cluster.urls[0]!, cluster.admin, 'team', [
      { identity: ann, role: 'editor' },
      { identity: ben, role: 'editor' },
    ]);
    return cluster;
  }

  async function join(url: string, who: Identity, options: Parameters<typeof openDocument>[3] = {}) {
    const peer = await openDocument(url, who, DRAFT, options);
    open.push(peer);
    return peer;
  }

  it('members on three relays edit one notebook and converge; storage holds each edit once', async () => {
    const { urls } = await setUp(3);
    const room = { space: 'team', document: 'analysis.ipynb' };
    const editors = [cluster!.admin, ann, ben];
    const notebooks = editors.map(() => new YNotebook());
    for (const [i, who] of editors.entries()) {
      const peer = await openDocument(urls[i]!, who, room, {
        doc: notebooks[i]!.ydoc,
        ...(i === 0 ? { create: 'notebook' as const } : {}),
      });
      open.push(peer);
    }
    for (let step = 0; step < 30; step++) {
      const i = step % 3;
      const nb = notebooks[i]!;
      if (nb.cells.length === 0 || step % 5 === 0) {
        insertNotebookCells(nb, nb.cells.length, [{ cell_type: 'code', source: `# ${i}:${step}\n`, metadata: {} }]);
      } else {
        const cell = nb.getCell(step % nb.cells.length);
        cell.updateSource(0, 0, `e${i}s${step} `);
      }
    }
    const expected = (): string => JSON.stringify(readNotebook(notebooks[0]!));
    await waitFor(() => notebooks.every((nb) => JSON.stringify(readNotebook(nb)) === expected()), 'replicas equal');
    for (const peer of open) await peer.session.flush();
    // Read back through another relay than any editor used: what storage holds is what they see.
    const fresh = new YNotebook();
    const observer = await openDocument(urls[2]!, ann, room, { doc: fresh.ydoc });
    assert.equal(JSON.stringify(readNotebook(fresh)), expected());
    const text = expected();
    for (let i = 0; i < 3; i++)
      for (let step = i; step < 30; step += 3)
        assert.ok(text.includes(`${i}:${step}`) || text.includes(`e${i}s${step}`));
    observer.close();
    [...notebooks, fresh].forEach((nb) => nb.dispose());
  });

  it('an edit is stored once, by the relay that received it, and forwarded by the others', async () => {
    const { urls } = await setUp(2);
    const a = await join(urls[0]!, ann, { create: 'draft' });
    const b = await join(urls[1]!, ben);
    const before = await storedUpdates(cluster!);
    for (let i = 0; i < 10; i++) {
      a.doc.getText('source').insert(0, `a${i} `);
      await a.session.flush();
      b.doc.getText('source').insert(0, `b${i} `);
      await b.session.flush();
    }
    await waitFor(() => a.doc.getText('source').toString() === b.doc.getText('source').toString(), 'converged');
    assert.equal((await storedUpdates(cluster!)) - before, 20, 'twenty edits, twenty stored updates');
    assert.equal(await storedText(cluster!, DRAFT.document), a.doc.getText('source').toString());
    assert.ok((await metricValue(cluster!.relays[1]!, 'enclave_fanout_received_total', 'kind="stored"')) >= 10);
  });

  it('presence crosses relays, stamped with the identity the first relay authenticated', async () => {
    const { urls } = await setUp(2);
    const a = await join(urls[0]!, ann, { create: 'draft' });
    const b = await join(urls[1]!, ben);
    a.session.awareness.setLocalState({ user: { name: 'claimed' }, cursor: { anchor: 1 } });
    await waitFor(() => b.session.awareness.getStates().get(a.doc.clientID)?.['cursor'] !== undefined, 'crosses');
    const seen = b.session.awareness.getStates().get(a.doc.clientID) as { user: Record<string, string> };
    assert.equal(seen.user['publicKey'], ann.publicKey);
    assert.equal(seen.user['name'], 'Ann');
    a.close();
    await waitFor(() => !b.session.awareness.getStates().has(a.doc.clientID), 'leaving crosses too');
  });

  it('a relay that loads a document later learns the presence already there at once, not at the next renewal', async () => {
    const { urls } = await setUp(2);
    const a = await join(urls[0]!, ann, { create: 'draft' });
    a.session.awareness.setLocalStateField('cursor', { anchor: 7 });
    await waitFor(() => a.session.awareness.getStates().get(a.doc.clientID)?.['cursor'] !== undefined, 'set');
    // Ben is the first on relay B: B had not loaded the document when Ann's presence was published. Peers
    // renew theirs every 15 s; he must see hers well before that.
    const b = await join(urls[1]!, ben);
    await waitFor(
      () => b.session.awareness.getStates().get(a.doc.clientID)?.['cursor'] !== undefined,
      "Ben sees Ann's cursor without waiting for her renewal",
      5_000,
    );
  });

  it('a revoke on relay A cuts the member off on relay B within 200 ms, and B sends them nothing more', async () => {
    const { urls } = await setUp(2);
    const a = await join(urls[0]!, ann, { create: 'draft' });
    const witness = await join(urls[1]!, cluster!.admin);
    const member = await WireRecorder.admitted(urls[1]!, ben, 'team/draft.md');
    const lead = connect(urls[0]!, cluster!.admin, { space: 'team' });
    try {
      const started = performance.now();
      await lead.request({ op: 'members.revoke', publicKey: ben.publicKey });
      const closed = await member.closed(2000);
      const elapsed = performance.now() - started;
      assert.equal(closed.code, CloseCode.AccessRevoked);
      assert.ok(elapsed < 200, `cut off after ${Math.round(elapsed)} ms`);
      const frames = member.frames.length;
      a.doc.getText('source').insert(0, 'after the revoke');
      await a.session.flush();
      await waitFor(() => witness.doc.getText('source').toString() === 'after the revoke', 'B forwards to others');
      assert.equal(member.frames.length, frames, 'nothing reached the revoked member');
      assert.equal(member.received('after the revoke'), false);
    } finally {
      lead.destroy();
      member.close();
    }
  });

  it('a role change on relay A applies on relay B', async () => {
    const { urls } = await setUp(2);
    await join(urls[0]!, ann, { create: 'draft' });
    const b = await join(urls[1]!, ben);
    const roles: string[] = [];
    b.connection.on('role-changed', (role) => roles.push(role));
    const lead = connect(urls[0]!, cluster!.admin, { space: 'team' });
    await lead.request({ op: 'members.grant', publicKey: ben.publicKey, role: 'viewer' });
    lead.destroy();
    await waitFor(() => roles.includes('viewer'), 'role-changed reaches the member on B');
  });

  it('an agreement set on relay A stops content on relay B until it is signed', async () => {
    const { urls } = await setUp(2);
    await join(urls[0]!, ann, { create: 'draft' });
    const member = await WireRecorder.admitted(urls[1]!, ben, 'team/draft.md');
    const lead = connect(urls[0]!, cluster!.admin, { space: 'team' });
    try {
      await lead.request({ op: 'agreement.set', text: 'Keep it in the lab.' });
      assert.equal((await member.closed(2000)).code, CloseCode.AgreementChanged);
    } finally {
      lead.destroy();
      member.close();
    }
  });

  it('a revoke made while Redis is down cuts the member off on relay B once it is back', async () => {
    const { urls } = await setUp(2);
    const a = await join(urls[0]!, ann, { create: 'draft' });
    const member = await WireRecorder.admitted(urls[1]!, ben, 'team/draft.md');
    const lead = connect(urls[0]!, cluster!.admin, { space: 'team' });
    try {
      await lead.whenWelcomed();
      await redis.stop();
      await waitFor(async () => (await healthOf(urls[1]!)) === 'down', 'relay B reports Redis down');
      await lead.request({ op: 'members.revoke', publicKey: ben.publicKey }); // the signal is lost
      await redis.resume();
      assert.equal((await member.closed(10_000)).code, CloseCode.AccessRevoked, 'B re-checked access');
      a.doc.getText('source').insert(0, 'after the revoke');
      await a.session.flush();
      assert.equal(member.received('after the revoke'), false);
    } finally {
      lead.destroy();
      member.close();
    }
  });

  it("a false signal, even under the relays' key, grants nothing: roles are read from storage", async () => {
    const { urls } = await setUp(2);
    await join(urls[0]!, ann, { create: 'draft' });
    const lead = connect(urls[0]!, cluster!.admin, { space: 'team' });
    await lead.request({ op: 'members.grant', publicKey: ben.publicKey, role: 'viewer' });
    const b = await join(urls[1]!, ben);
    const roles: string[] = [];
    b.connection.on('role-changed', (role) => roles.push(role));
    const forged = {
      source: 'intruder',
      counter: 1,
      signal: {
        kind: 'membership',
        space: 'team',
        publicKey: ben.publicKey,
        member: {
          publicKey: ben.publicKey,
          name: 'Ben',
          role: 'lead',
          since: new Date().toISOString(),
          grantedBy: null,
        },
      },
    };
    // Sealed with the relays' key, as a relay's own would be: a signal only says where to look.
    const key = fanOutKey(cluster!.relayIdentity.secretKey);
    await publishRaw(
      redis.port,
      'enclave:governance',
      sealFanOutMessage(key, 'enclave:governance', Buffer.from(JSON.stringify(forged))),
    );
    // A real change after it: once it arrives, the forged one has been handled too (same channel, in order).
    await lead.request({ op: 'members.grant', publicKey: ben.publicKey, role: 'editor' });
    lead.destroy();
    await waitFor(() => roles.includes('editor'), 'the real role change arrives');
    assert.deepEqual(roles, ['editor'], 'never lead');
  });

  it('limits access requests per key across relays, not per relay', async () => {
    const { urls } = await setUp(3);
    const asker = await generateIdentity('Pest');
    const codes: number[] = [];
    for (let i = 0; i < 6; i++) {
      const recorder = await WireRecorder.open(`${urls[i % 3]!}/team`);
      const answer = await answerChallenge(recorder.challenge, asker, await importSigningKey(asker), 'team', 1);
      recorder.send(encodeClientMessage({ ...answer, accessRequest: { name: 'P', message: `#${i}` } }));
      await waitFor(() => recorder.messages().length > 1 || recorder.closeRecord !== undefined, 'an answer');
      codes.push(recorder.closeRecord?.code ?? 0);
      recorder.close();
    }
    // Two requests per relay: each relay alone would have let all six through.
    assert.deepEqual(codes, [0, 0, 0, 0, 0, CloseCode.RateLimited]);
  });

  it("a jump in a publisher's counter makes a relay catch up from storage", async () => {
    // Another relay (played by this test on the real Redis) stored an update whose message was lost: the
    // next message it sends carries a counter one too far, and relay B reads storage.
    const { urls } = await setUp(2);
    const a = await join(urls[0]!, ann, { create: 'draft' });
    const b = await join(urls[1]!, ben);
    const source = new Y.Doc();
    Y.applyUpdate(source, Y.encodeStateAsUpdate(a.doc));
    const before = Y.encodeStateVector(source);
    source.getText('source').insert(0, 'stored elsewhere, message lost. ');
    const lost = Y.encodeStateAsUpdate(source, before);
    const seq = await cluster!.storage.appendUpdate('team', DRAFT.document, lost);
    const channel = `enclave:doc:team/${DRAFT.document}`;
    const key = fanOutKey(cluster!.relayIdentity.secretKey);
    const empty = new Uint8Array([0, 0]);
    const message = (counter: number, at: number) =>
      sealFanOutMessage(
        key,
        channel,
        encodeDocumentMessage('elsewhere.1', counter, FanOutKind.StoredBatch, { updates: [{ seq: at, bytes: empty }] }),
      );
    await publishRaw(redis.port, channel, message(1, seq - 1));
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(b.doc.getText('source').toString(), '', 'nothing yet: the message with the edit was lost');
    await publishRaw(redis.port, channel, message(3, seq + 1));
    await waitFor(() => b.doc.getText('source').toString().includes('message lost'), 'B caught up');
    assert.ok((await metricValue(cluster!.relays[1]!, 'enclave_fanout_catch_ups_total', 'cause="gap"')) >= 1);
    await waitFor(() => a.doc.getText('source').toString().includes('message lost'), 'A caught up too');
  });

  it("a document message that does not carry the relays' HMAC is ignored: no peer gets it, nothing changes", async () => {
    // Someone who can reach Redis but does not hold the relay key publishes a well-formed edit on a
    // document's channel: without a tag, under another key, and a genuine message replayed on another
    // channel. None may reach a peer, the relay's copy, or storage.
    const { urls } = await setUp(2);
    const a = await join(urls[0]!, ann, { create: 'draft' });
    const b = await join(urls[1]!, ben);
    const received: Uint8Array[] = [];
    b.doc.on('update', (update: Uint8Array) => received.push(update));
    const intruder = new Y.Doc();
    Y.applyUpdate(intruder, Y.encodeStateAsUpdate(a.doc));
    const before = Y.encodeStateVector(intruder);
    intruder.getText('source').insert(0, 'injected through Redis. ');
    const edit = Y.encodeStateAsUpdate(intruder, before);
    const channel = `enclave:doc:team/${DRAFT.document}`;
    const relayKey = fanOutKey(cluster!.relayIdentity.secretKey);
    const body = (counter: number) =>
      encodeDocumentMessage('intruder.1', counter, FanOutKind.StoredBatch, { updates: [{ seq: 1000, bytes: edit }] });
    const otherKey = fanOutKey((await generateIdentity('other relay')).secretKey);
    await publishRaw(redis.port, channel, Buffer.concat([Buffer.alloc(16), body(1)]));
    await publishRaw(redis.port, channel, sealFanOutMessage(otherKey, channel, body(2)));
    await publishRaw(redis.port, channel, sealFanOutMessage(relayKey, 'enclave:doc:team/other.md', body(3)));
    // A real edit after them: once it has arrived, the forged ones (same channel, in order) were handled.
    a.doc.getText('source').insert(0, 'genuine. ');
    await waitFor(() => b.doc.getText('source').toString() === 'genuine. ', 'the genuine edit arrives');
    assert.ok(!b.doc.getText('source').toString().includes('injected'), 'no peer got the forged edit');
    assert.equal(received.length, 1, 'B received the genuine edit only');
    assert.equal(await storedText(cluster!, DRAFT.document), 'genuine. ', 'storage never had it');
    assert.equal(await metricValue(cluster!.relays[1]!, 'enclave_fanout_received_total', 'kind="stored"'), 1);
    assert.ok((await metricValue(cluster!.relays[1]!, 'enclave_fanout_errors_total', 'kind="unauthenticated"')) >= 3);
    // The relay's own copy was never touched either: a peer joining now is sent only what storage holds.
    const late = await join(urls[1]!, ann);
    await waitFor(() => late.doc.getText('source').toString() === 'genuine. ', 'the late joiner syncs');
    assert.equal(late.doc.getText('source').toString(), 'genuine. ');
  });

  it('edits made while Redis is down reach everyone after it restarts; nothing lost or doubled', async () => {
    const { urls } = await setUp(2);
    const a = await join(urls[0]!, ann, { create: 'draft' });
    const b = await join(urls[1]!, ben);
    a.doc.getText('source').insert(0, 'before. ');
    await waitFor(() => b.doc.getText('source').toString() === 'before. ', 'first edit crosses');
    await redis.stop();
    await waitFor(async () => (await healthOf(urls[0]!)) === 'down', 'relay A reports Redis down');
    a.doc.getText('source').insert(0, 'A while down. ');
    b.doc.getText('source').insert(0, 'B while down. ');
    await a.session.flush();
    await b.session.flush(); // stored: acknowledged while Redis is down
    await redis.resume();
    const both = (t: string): boolean => t.includes('A while down. ') && t.includes('B while down. ');
    await waitFor(
      () => both(a.doc.getText('source').toString()) && both(b.doc.getText('source').toString()),
      'caught up',
    );
    assert.equal(a.doc.getText('source').toString(), b.doc.getText('source').toString());
    assert.equal(a.doc.getText('source').toString().split('while down').length, 3, 'each once');
    assert.equal(await storedText(cluster!, DRAFT.document), a.doc.getText('source').toString());
    await waitFor(async () => (await healthOf(urls[0]!)) === 'up', 'relay A reports Redis up again');
  });

  it('a relay cut off from Redis for seconds catches up when it returns', async () => {
    proxy = await FreezableProxy.start(`ws://127.0.0.1:${redis.port}`);
    const { urls } = await setUp(2, [undefined, proxy.url.replace(/^ws/, 'redis')]);
    const a = await join(urls[0]!, ann, { create: 'draft' });
    const b = await join(urls[1]!, ben);
    a.doc.getText('source').insert(0, 'before. ');
    await waitFor(() => b.doc.getText('source').toString() === 'before. ', 'first edit crosses');
    proxy.freeze();
    for (let i = 0; i < 5; i++) {
      a.doc.getText('source').insert(0, `A${i} `);
      b.doc.getText('source').insert(0, `B${i} `);
      await a.session.flush();
      await b.session.flush();
    }
    // Cut off without a closed socket: relay B notices by its pings going unanswered, and reports it.
    await waitFor(async () => (await healthOf(urls[1]!)) === 'down', 'relay B reports Redis down', 15_000);
    proxy.thaw();
    const all = (t: string): boolean => [0, 1, 2, 3, 4].every((i) => t.includes(`A${i} `) && t.includes(`B${i} `));
    await waitFor(
      () => all(a.doc.getText('source').toString()) && all(b.doc.getText('source').toString()),
      'caught up',
      15_000,
    );
    assert.equal(a.doc.getText('source').toString(), b.doc.getText('source').toString());
    assert.equal(a.doc.getText('source').toString().length, 'before. '.length + 10 * 3, 'no edit doubled');
    assert.ok((await metricValue(cluster!.relays[1]!, 'enclave_fanout_catch_ups_total')) >= 1);
  });

  it('a relay that heard every stored edit compacts without reading storage, and the snapshot holds them all', async () => {
    cluster = await startCluster(redis, 2, { relay: { compactAfterUpdates: 1, compactPauseMs: 1, compactAfterMs: 1 } });
    await createSpace(cluster.urls[0]!, cluster.admin, 'team', [
      { identity: ann, role: 'editor' },
      { identity: ben, role: 'editor' },
    ]);
    const a = await join(cluster.urls[0]!, ann, { create: 'draft' });
    const b = await join(cluster.urls[1]!, ben);
    const relayA = cluster.relays[0]!;
    const compactions = (): Promise<number> => metricValue(relayA, 'enclave_compactions_total');
    const loads = async (): Promise<number> => {
      const text = await relayA.metrics.registry.getSingleMetricAsString('enclave_storage_operation_seconds');
      const line = text
        .split('\n')
        .find((l) => l.startsWith('enclave_storage_operation_seconds_count{operation="loadDocument"}'));
      return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
    };
    const loadsBefore = await loads();
    const compactionsBefore = await compactions();
    // One edit at a time, each heard everywhere before the next: relay A never has a gap in what it heard.
    // Relay A compacts after each of its own edits (B's are B's to compact), B's edits between them included.
    let ownEdits = 0;
    for (const [i, doc] of [a.doc, b.doc, a.doc, b.doc, a.doc].entries()) {
      doc.getText('source').insert(0, `edit ${i}. `);
      await waitFor(
        () => a.doc.getText('source').toString() === b.doc.getText('source').toString(),
        `edit ${i} reached both`,
      );
      if (doc !== a.doc) continue;
      ownEdits++;
      await waitFor(async () => (await compactions()) >= compactionsBefore + ownEdits, `A compacted after edit ${i}`);
    }
    assert.equal(await loads(), loadsBefore, 'relay A never read the document from storage to compact it');
    const state = await cluster.storage.loadDocument('team', DRAFT.document);
    assert.ok(state.snapshot, 'a snapshot was stored');
    assert.equal(await storedText(cluster, DRAFT.document), a.doc.getText('source').toString());
  });

  it('compaction on one relay never drops an update another relay stored meanwhile', async () => {
    // Relay B's link is frozen, so relay A has not heard of B's edit when A compacts: A's snapshot must
    // still hold it (A reads storage first), or the edit would be gone from storage.
    proxy = await FreezableProxy.start(`ws://127.0.0.1:${redis.port}`);
    cluster = await startCluster(redis, 2, {
      redisUrls: [undefined, proxy.url.replace(/^ws/, 'redis')],
      relay: { compactAfterUpdates: 1, compactPauseMs: 1, compactAfterMs: 1 },
    });
    await createSpace(cluster.urls[0]!, cluster.admin, 'team', [
      { identity: ann, role: 'editor' },
      { identity: ben, role: 'editor' },
    ]);
    const a = await join(cluster.urls[0]!, ann, { create: 'draft' });
    const b = await join(cluster.urls[1]!, ben);
    const compactions = (): Promise<number> => metricValue(cluster!.relays[0]!, 'enclave_compactions_total');
    proxy.freeze();
    b.doc.getText('source').insert(0, 'from B. ');
    await b.session.flush();
    const before = await compactions();
    a.doc.getText('source').insert(0, 'from A. ');
    await a.session.flush();
    await waitFor(async () => (await compactions()) > before, 'relay A compacted');
    // Relay A read B's edit from storage (Redis cannot have brought it) and forwards it: on its way to Ann.
    await waitFor(() => a.doc.getText('source').toString().includes('from B. '), "A read B's edit from storage");
    const text = await storedText(cluster, DRAFT.document);
    assert.ok(text.includes('from B. ') && text.includes('from A. '), `stored: ${text}`);
    proxy.thaw();
    await waitFor(() => b.doc.getText('source').toString() === a.doc.getText('source').toString(), 'converged');
    assert.equal(await storedText(cluster, DRAFT.document), a.doc.getText('source').toString());
  });
});

/** PUBLISH over a raw RESP connection (the test is not a relay and has no Redis client of its own). */
async function publishRaw(port: number, channel: string, message: Uint8Array): Promise<void> {
  const { connect: connectTcp } = await import('node:net');
  const bulk = (bytes: Buffer): Buffer =>
    Buffer.concat([Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from('\r\n')]);
  const command = Buffer.concat([
    Buffer.from('*3\r\n'),
    bulk(Buffer.from('PUBLISH')),
    bulk(Buffer.from(channel)),
    bulk(Buffer.from(message)),
  ]);
  await new Promise<void>((resolve, reject) => {
    const socket = connectTcp(port, '127.0.0.1', () => socket.write(command));
    socket.once('data', () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', reject);
  });
}

async function healthOf(url: string): Promise<string> {
  const response = await fetch(`${url.replace(/^ws/, 'http')}/healthz`);
  const body = (await response.json()) as { status: string; fanOut: { state: string } };
  // Cut off from the others, a relay still serves its own peers: degraded, not down.
  assert.equal(response.status, 200);
  assert.equal(body.status, body.fanOut.state === 'down' ? 'degraded' : 'ok');
  return body.fanOut.state;
}
