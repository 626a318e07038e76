/**
 * Sealed spaces through a real relay: members co-edit through the client library's SealedSession while the
 * relay stores and forwards only what it cannot read. Asserted on disk and on the wire: no marker placed in
 * content, a document name or a cursor reaches the relay's files or logs; a revoked member's keys open
 * nothing written after the revoke; what a relay forges, alters or replays into another document is
 * detected and not applied; a viewer's write is dropped; a protocol-1 client is refused with 4426.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as decoding from 'lib0/decoding';
import * as Y from 'yjs';
import {
  CloseCode,
  decodeClientSealed,
  type EnclaveConnection,
  generateIdentity,
  type Identity,
  MessageTag,
  newDocumentId,
  openName,
  openSealed,
  type PublicKeyText,
  readTag,
  SealedSession,
  shareMissingKeys,
  SpaceKeys,
} from '@enclave/shared';
import { createRelay, jsonLogger, type Relay, SqliteStorage } from '@enclave/relay';
import { connect } from '../support/relay-fixture.js';
import { FreezableProxy } from '../support/freezable-proxy.js';
import { folderBytes } from '../support/data-folder.js';
import { waitFor } from '../support/wait.js';
import { WireRecorder } from '../support/wire-recorder.js';

const SPACE = 'vault';
const MARKER = 'MARKER-7f3a';

interface Member {
  readonly identity: Identity;
  readonly keys: SpaceKeys;
}

interface OpenSealed {
  readonly doc: Y.Doc;
  readonly session: SealedSession;
  readonly connection: EnclaveConnection;
  readonly tampered: string[];
  close(): void;
}

describe('sealed spaces', function () {
  this.timeout(60_000);
  let dataDir: string;
  let relay: Relay;
  let url: string;
  let logs: string[];
  let lead: Member;
  let bob: Member;
  let viewer: Member;

  async function start(): Promise<void> {
    relay = createRelay({
      dataDir,
      admins: [lead.identity.publicKey],
      logger: jsonLogger((line) => logs.push(line), 'debug'),
    });
    url = (await relay.listen()).url;
  }

  /** Runs requests on the space channel as `who`. */
  async function onSpace<T>(who: Identity, work: (connection: EnclaveConnection) => Promise<T>): Promise<T> {
    const connection = connect(url, who, { space: SPACE });
    try {
      await connection.whenWelcomed();
      return await work(connection);
    } finally {
      connection.destroy();
    }
  }

  /** The opaque id of the document called `name`, as a member finds it: by decrypting the listed names. */
  async function documentId(member: Member, name: string): Promise<string | undefined> {
    return onSpace(member.identity, async (connection) => {
      await member.keys.refresh((request) => connection.request(request));
      const { documents } = await connection.request({ op: 'documents.list' });
      for (const info of documents) if ((await openName(info, SPACE, member.keys.keyOf)) === name) return info.name;
      return undefined;
    });
  }

  async function open(member: Member, name: string, create = false): Promise<OpenSealed> {
    const id = (await documentId(member, name)) ?? newDocumentId();
    const doc = new Y.Doc();
    const connection = connect(url, member.identity, { space: SPACE, document: id });
    const session = new SealedSession({
      connection,
      doc,
      identity: member.identity,
      keys: member.keys,
      ...(create ? { create: { kind: 'draft' as const, name } } : {}),
      snapshotEvery: 5,
    });
    const tampered: string[] = [];
    session.on('tampered', (message) => tampered.push(message));
    await session.whenSynced();
    return {
      doc,
      session,
      connection,
      tampered,
      close() {
        session.destroy();
        connection.destroy();
      },
    };
  }

  const text = (open: OpenSealed): string => open.doc.getText('source').toString();

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'enclave-sealed-'));
    logs = [];
    const [l, b, v] = await Promise.all(['Lead', 'Bob', 'Val'].map((n) => generateIdentity(n)));
    lead = { identity: l!, keys: new SpaceKeys(SPACE, l!) };
    bob = { identity: b!, keys: new SpaceKeys(SPACE, b!) };
    viewer = { identity: v!, keys: new SpaceKeys(SPACE, v!) };
    await start();
    await onSpace(lead.identity, async (connection) => {
      const request = ((r) => connection.request(r)) as Parameters<SpaceKeys['refresh']>[0];
      await connection.request({ op: 'space.create', name: 'Lead', sealed: true });
      await lead.keys.rotate(request, [lead.identity.publicKey]);
      await connection.request({ op: 'members.grant', publicKey: bob.identity.publicKey, role: 'editor', name: 'Bob' });
      await connection.request({
        op: 'members.grant',
        publicKey: viewer.identity.publicKey,
        role: 'viewer',
        name: 'Val',
      });
      assert.deepEqual(
        await shareMissingKeys(connection, lead.keys),
        { wrapped: 2, refused: [] },
        'the lead wraps the key for both new members, whom its grants signed into the chain',
      );
    });
  });

  afterEach(async () => {
    await relay.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('members co-edit; the relay keeps nothing it can read (files, WAL, logs)', async () => {
    const a = await open(lead, `notes-${MARKER}.md`, true);
    const b = await open(bob, `notes-${MARKER}.md`);
    a.doc.getText('source').insert(0, `hello ${MARKER} from the lead`);
    await waitFor(() => text(b).includes(MARKER), 'Bob sees the lead');
    b.doc.getText('source').insert(0, 'Bob: ');
    await waitFor(() => text(a).startsWith('Bob: '), 'the lead sees Bob');
    b.session.awareness.setLocalStateField('cursor', { selection: MARKER });
    await waitFor(
      () => [...a.session.awareness.getStates().values()].some((s) => JSON.stringify(s).includes(MARKER)),
      'cursor',
    );
    for (let i = 0; i < 12; i++) a.doc.getText('source').insert(0, `${i} `); // past snapshotEvery: a snapshot
    await a.session.flush();
    await b.session.flush();
    await waitFor(() => text(b) === text(a), 'converged');
    const expected = text(a);
    assert.deepEqual(a.tampered, []);
    assert.deepEqual(b.tampered, []);
    a.close();
    b.close();
    await relay.close();
    assert.equal(folderBytes(dataDir).includes(MARKER), false, 'no marker in the data folder, WAL included');
    assert.equal(logs.join('\n').includes(MARKER), false, 'no marker in the log');
    await start();
    const fresh = await open(bob, `notes-${MARKER}.md`);
    assert.equal(text(fresh), expected, 'a fresh member rebuilds the document from the sealed log');
    assert.deepEqual(fresh.tampered, []);
    fresh.close();
  });

  it('a revoke rotates: the revoked member, keeping every key and ciphertext, reads nothing written after', async () => {
    const a = await open(lead, 'plan.md', true);
    const b = await open(bob, 'plan.md');
    a.doc.getText('source').insert(0, 'before ');
    await waitFor(() => text(b) === 'before ', 'Bob reads before the revoke');
    await onSpace(lead.identity, async (connection) => {
      const request = ((r) => connection.request(r)) as Parameters<SpaceKeys['refresh']>[0];
      const { members } = await connection.request({ op: 'members.list' });
      await lead.keys.rotate(
        request,
        members.map((m) => m.publicKey as PublicKeyText),
        bob.identity.publicKey,
      );
    });
    await waitFor(() => b.connection.lastClose?.code === CloseCode.AccessRevoked, 'Bob is cut off');
    a.doc.getText('source').insert(7, `after ${MARKER}`);
    await a.session.flush();
    a.close();
    b.close();
    await relay.close();
    // Everything the relay stored, as a revoked member who kept it all would have it.
    const storage = new SqliteStorage(join(dataDir, 'enclave.sqlite'));
    const [id] = (await storage.listDocuments(SPACE)).map((d) => d.name);
    const state = await storage.loadDocument(SPACE, id!);
    await storage.close();
    const stored = [state.snapshot, ...state.updates].filter((x): x is Uint8Array => x !== null);
    let readable = 0;
    let unreadable = 0;
    for (const envelope of stored) {
      try {
        const opened = await openSealed(envelope, SPACE, bob.keys.keyOf);
        assert.equal(Buffer.from(opened.plaintext).includes(MARKER), false);
        readable++;
      } catch {
        unreadable++;
      }
    }
    assert.ok(unreadable > 0, 'what was written after the revoke is sealed under a key Bob never had');
    assert.ok(readable + unreadable === stored.length);
    await start();
    assert.equal(text(await open(lead, 'plan.md')), `before after ${MARKER}`);
  });

  it('loses no edit when a rotation refuses one sealed under the old epoch after a later one was stored', async () => {
    const a = await open(lead, 'race.md', true);
    const proxy = await FreezableProxy.start(url);
    const id = (await documentId(bob, 'race.md'))!;
    const doc = new Y.Doc();
    const connection = connect(proxy.url, bob.identity, { space: SPACE, document: id });
    let appends = 0;
    const send = connection.send.bind(connection);
    connection.send = (frame: Uint8Array): boolean => {
      const decoder = decoding.createDecoder(frame);
      if (readTag(decoder) === MessageTag.Sealed && decodeClientSealed(decoder).type === 'append') appends++;
      return send(frame);
    };
    const sentAppends = (): number => appends;
    const session = new SealedSession({ connection, doc, identity: bob.identity, keys: bob.keys });
    const tampered: string[] = [];
    session.on('tampered', (message) => tampered.push(message));
    try {
      await session.whenSynced();
      // Bob's link stalls. He types under epoch 1; the lead rotates; Bob's keys learn epoch 2 elsewhere (as his
      // editor's other documents of the space would) and he types again. The stall ends: the relay refuses the
      // first (stale epoch) and stores the second, before Bob hears of either.
      proxy.freeze();
      doc.getText('source').insert(0, 'one ');
      await waitFor(() => sentAppends() === 1, 'the first edit is sealed and sent');
      await onSpace(lead.identity, async (c) => {
        const request = ((r) => c.request(r)) as Parameters<SpaceKeys['refresh']>[0];
        const { members } = await c.request({ op: 'members.list' });
        await lead.keys.rotate(
          request,
          members.map((m) => m.publicKey as PublicKeyText),
        );
      });
      await onSpace(bob.identity, (c) => bob.keys.refresh((r) => c.request(r)));
      doc.getText('source').insert(4, 'two');
      await waitFor(() => sentAppends() >= 2, 'the second edit is sealed and sent');
      proxy.release();
      await waitFor(() => text(a) === 'one two', `the lead has both edits (has "${text(a)}")`);
      await session.flush();
      assert.deepEqual(a.tampered, []);
      assert.deepEqual(tampered, []);
    } finally {
      session.destroy();
      connection.destroy();
      await proxy.close();
      a.close();
    }
  });

  it('detects what the relay forges, alters or moves from another document, and applies none of it', async () => {
    const a = await open(lead, 'a.md', true);
    const other = await open(lead, 'b.md', true);
    a.doc.getText('source').insert(0, 'intact');
    other.doc.getText('source').insert(0, 'INJECTED');
    await a.session.flush();
    await other.session.flush();
    a.close();
    other.close();
    await relay.close();
    // A relay that rewrites its own storage: an altered entry, and an entry of b.md appended to a.md.
    const storage = new SqliteStorage(join(dataDir, 'enclave.sqlite'));
    const docs = await storage.listDocuments(SPACE);
    const aId = (await idOf(docs, 'a.md'))!;
    const bId = docs.map((d) => d.name).find((n) => n !== aId)!;
    const aState = await storage.loadDocument(SPACE, aId);
    const bState = await storage.loadDocument(SPACE, bId);
    const altered = aState.updates[0]!.slice();
    altered[altered.length - 70]! ^= 1;
    await storage.appendUpdate(SPACE, aId, altered);
    await storage.appendUpdate(SPACE, aId, bState.updates[0]!);
    await storage.close();
    await start();
    const fresh = await open(bob, 'a.md');
    assert.equal(text(fresh), 'intact', 'nothing forged, altered or moved was applied');
    assert.ok(
      fresh.tampered.some((m) => /another document/.test(m)),
      fresh.tampered.join('; '),
    );
    assert.ok(
      fresh.tampered.some((m) => /not signed|does not decrypt/.test(m)),
      fresh.tampered.join('; '),
    );
    fresh.close();

    async function idOf(list: typeof docs, name: string): Promise<string | undefined> {
      for (const info of list) {
        const sealedName = Buffer.from(info.sealedName!).toString('base64url');
        const opened = await openName({ ...info, sealedName }, SPACE, lead.keys.keyOf);
        if (opened === name) return info.name;
      }
      return undefined;
    }
  });

  it("refuses a viewer's update that a relay let through: the membership chain never made the viewer an editor", async () => {
    const a = await open(lead, 'w.md', true);
    const id = a.connection.options.room.document!;
    a.doc.getText('source').insert(0, 'intact');
    await a.session.flush();
    a.close();
    // The viewer holds the content key (it reads), so it can seal an update that opens and verifies.
    await onSpace(viewer.identity, (connection) => viewer.keys.refresh((r) => connection.request(r)));
    const { epoch, key } = viewer.keys.current();
    const shared = await import('@enclave/shared');
    const sealer = {
      space: SPACE,
      epoch,
      key,
      author: viewer.identity,
      signingKey: await shared.importSigningKey(viewer.identity),
    };
    const edit = new Y.Doc();
    edit.getText('source').insert(0, 'VIEWER WROTE THIS ');
    const forged = await shared.seal(
      sealer,
      { kind: shared.SealedKind.Update, session: 9, seq: 1, document: id },
      Y.encodeStateAsUpdate(edit),
    );
    // A relay that skips its role check: the viewer's envelope stored as the log's next entry.
    await relay.close();
    const storage = new SqliteStorage(join(dataDir, 'enclave.sqlite'));
    await storage.appendUpdate(SPACE, id, forged);
    await storage.close();
    await start();

    const fresh = await open(bob, 'w.md');
    assert.equal(text(fresh), 'intact', "the viewer's update was not applied");
    assert.ok(
      fresh.tampered.some((m) => /never made an editor/.test(m) && m.includes(viewer.identity.publicKey)),
      fresh.tampered.join('; '),
    );
    // A writer granted after the session read the chain is accepted: the chain is read again for a new author.
    const carol: Member = await (async () => {
      const identity = await generateIdentity('Carol');
      return { identity, keys: new SpaceKeys(SPACE, identity) };
    })();
    await onSpace(lead.identity, async (connection) => {
      await connection.request({
        op: 'members.grant',
        publicKey: carol.identity.publicKey,
        role: 'editor',
        name: 'Carol',
      });
      await shareMissingKeys(connection, lead.keys);
    });
    const c = await open(carol, 'w.md');
    c.doc.getText('source').insert(6, ' and Carol');
    await c.session.flush();
    await waitFor(() => text(fresh) === 'intact and Carol', "Carol's edit reaches Bob");
    assert.equal(fresh.tampered.length, 1, fresh.tampered.join('; '));
    c.close();
    fresh.close();
  });

  it('acknowledges appends with Stored under protocol 3, and by echoing the entry under protocol 2', async () => {
    const a = await open(lead, 'acks.md', true);
    const id = a.connection.options.room.document!;
    const room = `${SPACE}/${id}`;
    const shared = await import('@enclave/shared');
    await onSpace(bob.identity, (connection) => bob.keys.refresh((r) => connection.request(r)));
    const { epoch, key } = bob.keys.current();
    const signingKey = await shared.importSigningKey(bob.identity);
    const sealer = { space: SPACE, epoch, key, author: bob.identity, signingKey };
    for (const protocol of [3, 2]) {
      const wire = await WireRecorder.open(`${url}/${room}`);
      wire.send(
        shared.encodeClientMessage(
          await shared.answerChallenge(wire.challenge, bob.identity, signingKey, room, protocol),
        ),
      );
      await waitFor(() => wire.messages().some((m) => m.type === 'welcome'), 'welcome');
      const envelopes: Uint8Array[] = [];
      for (const seq of [1, 2, 3]) {
        const edit = new Y.Doc();
        edit.getText('source').insert(0, `p${protocol}e${seq} `);
        const fields = { kind: shared.SealedKind.Update, session: protocol, seq, document: id };
        envelopes.push(await shared.seal(sealer, fields, Y.encodeStateAsUpdate(edit)));
      }
      for (const envelope of envelopes) wire.send(shared.encodeClientSealed({ type: 'append', envelope }));
      await waitFor(() => [1, 2, 3].every((seq) => text(a).includes(`p${protocol}e${seq}`)), 'the lead applies all');
      const sealed = (): ReturnType<typeof shared.decodeRelaySealed>[] =>
        wire.frames.flatMap((frame) => {
          const decoder = decoding.createDecoder(frame);
          return shared.readTag(decoder) === shared.MessageTag.Sealed ? [shared.decodeRelaySealed(decoder)] : [];
        });
      const echoed = (): number =>
        sealed().filter((m) => m.type === 'entry' && envelopes.some((e) => equal(e, m.entry.envelope))).length;
      const acked = (): number[] =>
        sealed().flatMap((m) => (m.type === 'stored' ? m.stored.map((s) => s.messageSeq) : []));
      if (protocol === 3) {
        await waitFor(() => acked().length === 3, 'three acknowledgements');
        assert.deepEqual(acked(), [1, 2, 3], 'in sending order');
        assert.equal(echoed(), 0, 'no echo of its own entries');
      } else {
        await waitFor(() => echoed() === 3, 'three echoed entries');
        assert.deepEqual(acked(), [], 'a protocol-2 client gets no frame it does not know');
      }
      wire.close();
    }
    assert.deepEqual(a.tampered, []);
    a.close();
  });

  it("drops a viewer's write without reading it; a protocol-1 member is told to upgrade (4426)", async () => {
    const a = await open(lead, 'v.md', true);
    a.doc.getText('source').insert(0, 'lead');
    await a.session.flush();
    const v = await open(viewer, 'v.md');
    assert.equal(text(v), 'lead', 'a viewer reads');
    v.doc.getText('source').insert(0, 'VIEWER WAS HERE ');
    a.doc.getText('source').insert(4, '!');
    await a.session.flush();
    await waitFor(() => text(v).endsWith('lead!'), 'the viewer still receives');
    assert.equal(text(a), 'lead!', "the viewer's edit never reached the lead");
    a.close();
    v.close();
    const old = await WireRecorder.open(`${url}/${SPACE}`);
    const { answerChallenge, encodeClientMessage, importSigningKey } = await import('@enclave/shared');
    old.send(
      encodeClientMessage(
        await answerChallenge(old.challenge, bob.identity, await importSigningKey(bob.identity), SPACE, 1),
      ),
    );
    const closed = await old.closed();
    assert.equal(closed.code, CloseCode.UpgradeRequired);
    assert.match(closed.reason, /sealed: upgrade Enclave/);
    assert.equal(old.documentFrames().length, 0);
  });
});

const equal = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b));
