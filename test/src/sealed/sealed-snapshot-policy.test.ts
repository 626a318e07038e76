/**
 * Who compacts a sealed document's log: one writer per snapshot point, chosen from the log alike by every
 * member (SealedSession.snapshotPoint), so that writers do not race to seal snapshots the relay would then
 * refuse. Counted at a real relay: snapshots stored and snapshots refused. And when the writer chosen for a
 * point is gone, the next point's writer compacts the log.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as Y from 'yjs';
import {
  encodeClientSealed,
  type EnclaveConnection,
  generateIdentity,
  type Identity,
  importSigningKey,
  newDocumentId,
  seal,
  SealedKind,
  SealedSession,
  shareMissingKeys,
  SpaceKeys,
} from '@enclave/shared';
import { createRelay, type Relay, silentLogger, SqliteStorage } from '@enclave/relay';
import { connect } from '../support/relay-fixture.js';
import { waitFor } from '../support/wait.js';

const SPACE = 'compact';
const EVERY = 5;

interface Member {
  readonly identity: Identity;
  readonly keys: SpaceKeys;
}

interface Writer {
  readonly doc: Y.Doc;
  readonly session: SealedSession;
  readonly tampered: string[];
  close(): void;
}

describe('sealed snapshot policy', function () {
  this.timeout(60_000);
  let dataDir: string;
  let relay: Relay;
  let url: string;
  let members: Member[];
  let documentId: string;

  async function counter(name: 'compactions' | 'refused'): Promise<number> {
    const metric = name === 'compactions' ? relay.metrics.compactions : relay.metrics.updatesDropped;
    const { values } = await metric.get();
    const wanted = name === 'compactions' ? values : values.filter((v) => v.labels.reason === 'snapshot-refused');
    return wanted.reduce((n, v) => n + v.value, 0);
  }

  async function open(member: Member, create = false): Promise<Writer> {
    const doc = new Y.Doc();
    const connection = connect(url, member.identity, { space: SPACE, document: documentId });
    const session = new SealedSession({
      connection,
      doc,
      identity: member.identity,
      keys: member.keys,
      ...(create ? { create: { kind: 'draft' as const, name: 'policy.md' } } : {}),
      snapshotEvery: EVERY,
    });
    const tampered: string[] = [];
    session.on('tampered', (message) => tampered.push(message));
    await session.whenSynced();
    return {
      doc,
      session,
      tampered,
      close() {
        session.destroy();
        connection.destroy();
      },
    };
  }

  const text = (w: Writer): string => w.doc.getText('source').toString();

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'enclave-sealed-policy-'));
    const identities = await Promise.all(['Lead', 'Bob', 'Cy'].map((n) => generateIdentity(n)));
    members = identities.map((identity) => ({ identity, keys: new SpaceKeys(SPACE, identity) }));
    relay = createRelay({ dataDir, admins: [identities[0]!.publicKey], logger: silentLogger });
    url = (await relay.listen()).url;
    const lead = members[0]!;
    const connection = connect(url, lead.identity, { space: SPACE });
    try {
      await connection.whenWelcomed();
      const request = ((r) => connection.request(r)) as Parameters<SpaceKeys['refresh']>[0];
      await connection.request({ op: 'space.create', name: 'Lead', sealed: true });
      await lead.keys.rotate(request, [lead.identity.publicKey]);
      for (const other of members.slice(1)) {
        const { publicKey, name } = other.identity;
        await connection.request({ op: 'members.grant', publicKey, role: 'editor', name });
      }
      assert.deepEqual(await shareMissingKeys(connection, lead.keys), { wrapped: members.length - 1, refused: [] });
    } finally {
      connection.destroy();
    }
    documentId = newDocumentId();
  });

  afterEach(async () => {
    await relay.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('three writers make one snapshot per point, and none is refused', async () => {
    const writers = [await open(members[0]!, true), await open(members[1]!), await open(members[2]!)];
    const rounds = 10;
    for (let round = 0; round < rounds; round++) {
      // Each writer in turn, each edit seen by all before the next: every writer counts the same entries,
      // which is when writers that each decide alone would all snapshot at once.
      for (const [i, writer] of writers.entries()) {
        writer.doc.getText('source').insert(0, `${i}`);
        const want = text(writer);
        await waitFor(() => writers.every((w) => text(w) === want), `round ${round}, writer ${i} seen by all`);
      }
    }
    await Promise.all(writers.map((w) => w.session.flush()));
    const points = (rounds * writers.length) / EVERY;
    await waitFor(async () => (await counter('compactions')) === points, `${points} snapshots stored`);
    assert.equal(await counter('refused'), 0, 'no writer sealed a snapshot the relay had to refuse');
    for (const w of writers) assert.deepEqual(w.tampered, []);
    const expected = text(writers[0]!);
    writers.forEach((w) => w.close());
    const fresh = await open(members[1]!);
    assert.equal(text(fresh), expected, 'a member joining from the last snapshot has the whole document');
    fresh.close();
  });

  it('when the writer chosen for a point is gone, the next point’s writer compacts the log', async () => {
    const bob = await open(members[1]!, true);
    for (let i = 0; i < EVERY - 1; i++) bob.doc.getText('source').insert(0, 'b');
    await bob.session.flush();
    // Cy appends the entry at the first point (seq EVERY) and leaves at once, as a CLI push does.
    const cy = members[2]!;
    const connection: EnclaveConnection = connect(url, cy.identity, { space: SPACE, document: documentId });
    await connection.whenWelcomed();
    await cy.keys.refresh((r) => connection.request(r));
    const { epoch, key } = cy.keys.current();
    const sealer = {
      space: SPACE,
      epoch,
      key,
      author: cy.identity,
      signingKey: await importSigningKey(cy.identity),
    };
    const own = new Y.Doc();
    own.getText('source').insert(0, 'c');
    const update = Y.encodeStateAsUpdate(own);
    const envelope = await seal(sealer, { kind: SealedKind.Update, session: 1, seq: 1, document: documentId }, update);
    connection.send(encodeClientSealed({ type: 'append', envelope }));
    await connection.request({ op: 'flush' });
    connection.destroy();
    await waitFor(() => text(bob).includes('c'), 'Bob applies the entry Cy left');
    assert.equal(await counter('compactions'), 0, 'the point was Cy’s: nobody else snapshots it');

    for (let i = 0; i < EVERY; i++) bob.doc.getText('source').insert(0, 'b');
    await bob.session.flush();
    await waitFor(async () => (await counter('compactions')) === 1, 'the next point’s writer compacts');
    assert.equal(await counter('refused'), 0);
    assert.deepEqual(bob.tampered, []);
    const expected = text(bob);
    bob.close();
    await relay.close();
    const storage = new SqliteStorage(join(dataDir, 'enclave.sqlite'));
    const state = await storage.loadDocument(SPACE, documentId);
    await storage.close();
    assert.equal(state.snapshotSeq, 2 * EVERY, 'the snapshot covers both points');
    assert.equal(state.updates.length, 0, 'the whole log was compacted');
    relay = createRelay({ dataDir, admins: [members[0]!.identity.publicKey], logger: silentLogger });
    url = (await relay.listen()).url;
    const fresh = await open(members[0]!);
    assert.equal(text(fresh), expected);
    fresh.close();
  });
});
