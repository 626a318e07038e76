/**
 * Hostile frames on a sealed room's fast path, from members the relay admitted: an editor and a viewer send
 * truncated or malformed headers, envelopes sealed by someone else, under an old epoch or for another
 * document, an oversize frame, and a frame before the handshake. Each is refused (the sender closed, or the
 * frame dropped with a rejection), nothing of it is stored or forwarded, the other peers keep receiving, and
 * the stored log still opens and verifies as a whole afterwards.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as decoding from 'lib0/decoding';
import * as Y from 'yjs';
import {
  answerChallenge,
  CloseCode,
  decodeRelaySealed,
  type EnclaveConnection,
  encodeClientMessage,
  encodeClientSealed,
  type FromRelaySealed,
  generateIdentity,
  type Identity,
  importSigningKey,
  MessageTag,
  newDocumentId,
  openSealed,
  type PublicKeyText,
  PROTOCOL_VERSION,
  readTag,
  seal,
  SealedKind,
  SealedSession,
  type Sealer,
  shareMissingKeys,
  SpaceKeys,
} from '@enclave/shared';
import { createRelay, type Relay, silentLogger, SqliteStorage } from '@enclave/relay';
import { connect } from '../support/relay-fixture.js';
import { waitFor } from '../support/wait.js';
import { WireRecorder } from '../support/wire-recorder.js';

const SPACE = 'vault';
const HOSTILE = 'HOSTILE-c41d';
/** Small enough that a test can send more. */
const MAX_FRAME_BYTES = 256 * 1024;

interface Member {
  readonly identity: Identity;
  readonly keys: SpaceKeys;
}

interface Peer {
  readonly doc: Y.Doc;
  readonly session: SealedSession;
  readonly tampered: string[];
  close(): void;
}

describe('sealed rooms: hostile frames from admitted members', function () {
  this.timeout(60_000);
  let dataDir: string;
  let relay: Relay;
  let url: string;
  let lead: Member;
  let bob: Member;
  let viewer: Member;
  let documentId: string;
  /** The lead writes, Bob reads: the peers that must keep working while someone else misbehaves. */
  let writer: Peer;
  let reader: Peer;
  let written: number;

  async function start(): Promise<void> {
    relay = createRelay({
      dataDir,
      admins: [lead.identity.publicKey],
      logger: silentLogger,
      limits: { maxFrameBytes: MAX_FRAME_BYTES },
    });
    url = (await relay.listen()).url;
  }

  async function onSpace<T>(who: Identity, work: (connection: EnclaveConnection) => Promise<T>): Promise<T> {
    const connection = connect(url, who, { space: SPACE });
    try {
      await connection.whenWelcomed();
      return await work(connection);
    } finally {
      connection.destroy();
    }
  }

  async function open(member: Member, create = false): Promise<Peer> {
    const doc = new Y.Doc();
    const connection = connect(url, member.identity, { space: SPACE, document: documentId });
    const session = new SealedSession({
      connection,
      doc,
      identity: member.identity,
      keys: member.keys,
      ...(create ? { create: { kind: 'draft' as const, name: 'doc.md' } } : {}),
    });
    const tampered: string[] = [];
    session.on('tampered', (message) => tampered.push(message));
    await session.whenSynced();
    let closed = false;
    return {
      doc,
      session,
      tampered,
      close() {
        if (closed) return;
        closed = true;
        session.destroy();
        connection.destroy();
      },
    };
  }

  /** A bare socket admitted to the document room as `who`, recording every frame the relay sends it. */
  async function admitted(who: Identity): Promise<WireRecorder> {
    const room = `${SPACE}/${documentId}`;
    const wire = await WireRecorder.open(`${url}/${room}`);
    const answer = await answerChallenge(wire.challenge, who, await importSigningKey(who), room, PROTOCOL_VERSION);
    wire.send(encodeClientMessage(answer));
    await waitFor(() => wire.messages().some((m) => m.type === 'welcome'), 'welcome');
    return wire;
  }

  function sealedFrames(wire: WireRecorder): FromRelaySealed[] {
    return wire.frames.flatMap((frame) => {
      const decoder = decoding.createDecoder(frame);
      return readTag(decoder) === MessageTag.Sealed ? [decodeRelaySealed(decoder)] : [];
    });
  }

  async function sealerOf(member: Member, epoch?: number): Promise<Sealer> {
    const current = member.keys.current();
    const key = epoch === undefined ? current.key : member.keys.keyOf(epoch);
    assert.ok(key, `${member.identity.publicKey} holds the key of epoch ${epoch}`);
    return {
      space: SPACE,
      epoch: epoch ?? current.epoch,
      key,
      author: member.identity,
      signingKey: await importSigningKey(member.identity),
    };
  }

  /** A real sealed update inserting `text`, sealed by `sealer` for `document`. */
  async function sealedEdit(sealer: Sealer, text: string, document = documentId): Promise<Uint8Array> {
    const doc = new Y.Doc();
    doc.getText('source').insert(0, text);
    return seal(sealer, { kind: SealedKind.Update, session: 7, seq: 1, document }, Y.encodeStateAsUpdate(doc));
  }

  const text = (peer: Peer): string => peer.doc.getText('source').toString();

  /** The lead writes once more and Bob receives it: the room works after whatever was sent. */
  async function roomStillWorks(): Promise<void> {
    writer.doc.getText('source').insert(text(writer).length, ` after-${++written}`);
    await writer.session.flush();
    await waitFor(() => text(reader) === text(writer), 'Bob still receives the lead');
    assert.equal(text(reader).includes(HOSTILE), false, 'nothing hostile reached Bob');
    assert.deepEqual(reader.tampered, []);
    assert.deepEqual(writer.tampered, []);
  }

  /**
   * Stops the relay and opens everything it stored with a member's keys: each envelope verifies and decrypts,
   * none carries the hostile marker, and a member joining a restarted relay rebuilds exactly what was written.
   */
  async function storedLogIntact(): Promise<void> {
    const expected = text(writer);
    writer.close();
    reader.close();
    await relay.close();
    const storage = new SqliteStorage(join(dataDir, 'enclave.sqlite'));
    const state = await storage.loadDocument(SPACE, documentId);
    await storage.close();
    const stored = [state.snapshot, ...state.updates].filter((x): x is Uint8Array => x !== null);
    assert.ok(stored.length > 0, 'the legitimate edits are stored');
    for (const envelope of stored) {
      const opened = await openSealed(envelope, SPACE, lead.keys.keyOf);
      assert.equal(Buffer.from(opened.plaintext).includes(HOSTILE), false, 'nothing hostile was stored');
    }
    await start();
    const fresh = await open(bob);
    assert.equal(text(fresh), expected, 'the document loads from the stored log as written');
    assert.deepEqual(fresh.tampered, []);
    fresh.close();
  }

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'enclave-sealed-hostile-'));
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
      assert.equal((await shareMissingKeys(connection, lead.keys)).wrapped, 2, 'both members get the key');
    });
    for (const member of [bob, viewer]) {
      await onSpace(member.identity, (connection) => member.keys.refresh((r) => connection.request(r)));
    }
    documentId = newDocumentId();
    writer = await open(lead, true);
    reader = await open(bob);
    written = 0;
    await roomStillWorks();
  });

  afterEach(async () => {
    writer.close();
    reader.close();
    await relay.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a truncated or malformed header closes its sender (editor or viewer) with 4400, and only it', async () => {
    const valid = await sealedEdit(await sealerOf(bob), HOSTILE);
    const malformed = valid.slice();
    malformed[0] = 9; // an unknown envelope format
    const cases: [Member, Uint8Array][] = [
      [bob, valid.subarray(0, 20)], // cut inside the author's key
      [bob, valid.subarray(0, valid.length - 1)], // one byte of the signature missing
      [bob, malformed],
      [viewer, valid.subarray(0, 20)],
      [viewer, malformed],
    ];
    for (const [who, envelope] of cases) {
      const wire = await admitted(who.identity);
      wire.send(encodeClientSealed({ type: 'append', envelope }));
      const closed = await wire.closed();
      assert.equal(closed.code, CloseCode.ProtocolError, `${who.identity.publicKey}: ${closed.reason}`);
    }
    // A sealed frame whose length runs past its end.
    const wire = await admitted(bob.identity);
    wire.send(Uint8Array.of(MessageTag.Sealed, 1, 200, 1, 2, 3));
    assert.equal((await wire.closed()).code, CloseCode.ProtocolError);
    await roomStillWorks();
    await storedLogIntact();
  });

  it('an envelope sealed by another identity is refused to an editor and dropped from a viewer', async () => {
    // A genuine message of the lead's (the lead's own signature), sent on Bob's and on the viewer's connection.
    const forged = await sealedEdit(await sealerOf(lead), HOSTILE);
    const editor = await admitted(bob.identity);
    editor.send(encodeClientSealed({ type: 'append', envelope: forged }));
    await waitFor(
      () => sealedFrames(editor).some((m) => m.type === 'rejected' && m.reason === 'not-yours'),
      'the relay refuses it',
    );
    const reader2 = await admitted(viewer.identity);
    reader2.send(encodeClientSealed({ type: 'append', envelope: forged }));
    await waitFor(
      () => reader2.messages().some((m) => m.type === 'notice' && m.code === 'read-only'),
      'the viewer is told it may only read',
    );
    await roomStillWorks();
    assert.equal(editor.closeRecord, undefined, 'a refusal drops the frame; the connection stays');
    assert.equal(editor.received(HOSTILE), false);
    assert.equal(
      sealedFrames(editor).some((m) => m.type === 'entry' && Buffer.from(m.entry.envelope).equals(forged)),
      false,
      'the forged envelope was never forwarded',
    );
    editor.close();
    reader2.close();
    await storedLogIntact();
  });

  it('an envelope under an old epoch is refused once the space has rotated', async () => {
    const stale = await sealedEdit(await sealerOf(bob, 1), HOSTILE);
    await onSpace(lead.identity, async (connection) => {
      const request = ((r) => connection.request(r)) as Parameters<SpaceKeys['refresh']>[0];
      const { members } = await connection.request({ op: 'members.list' });
      await lead.keys.rotate(
        request,
        members.map((m) => m.publicKey as PublicKeyText),
      );
    });
    const wire = await admitted(bob.identity);
    wire.send(encodeClientSealed({ type: 'append', envelope: stale }));
    await waitFor(
      () => sealedFrames(wire).some((m) => m.type === 'rejected' && m.reason === 'stale-epoch'),
      'the relay refuses the old epoch',
    );
    await roomStillWorks();
    assert.equal(wire.closeRecord, undefined);
    wire.close();
    await storedLogIntact();
  });

  it('an envelope sealed for another document is refused and not stored', async () => {
    const elsewhere = await sealedEdit(await sealerOf(bob), HOSTILE, newDocumentId());
    const wire = await admitted(bob.identity);
    wire.send(encodeClientSealed({ type: 'append', envelope: elsewhere }));
    await waitFor(
      () => sealedFrames(wire).some((m) => m.type === 'rejected' && m.reason === 'wrong-document'),
      'the relay refuses it',
    );
    await roomStillWorks();
    wire.close();
    await storedLogIntact();
  });

  it('an oversize frame closes its sender with 1009 before anything of it is read', async () => {
    // A genuine envelope of Bob's, only too large: without the frame limit it would be stored and forwarded.
    const huge = await sealedEdit(await sealerOf(bob), HOSTILE + 'x'.repeat(MAX_FRAME_BYTES));
    const wire = await admitted(bob.identity);
    wire.send(encodeClientSealed({ type: 'append', envelope: huge }));
    assert.equal((await wire.closed()).code, CloseCode.FrameTooLarge);
    await roomStillWorks();
    await storedLogIntact();
  });

  it('a sealed frame before the handshake closes the connection with 4401; it received no content', async () => {
    const envelope = await sealedEdit(await sealerOf(bob), HOSTILE);
    const wire = await WireRecorder.open(`${url}/${SPACE}/${documentId}`);
    wire.send(encodeClientSealed({ type: 'append', envelope }));
    assert.equal((await wire.closed()).code, CloseCode.Unauthenticated);
    assert.deepEqual(sealedFrames(wire), [], 'not a byte of the log');
    assert.deepEqual(
      wire.messages().map((m) => m.type),
      ['challenge'],
    );
    await roomStillWorks();
    await storedLogIntact();
  });
});
