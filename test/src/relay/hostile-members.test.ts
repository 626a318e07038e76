/**
 * Frames from admitted members are as untrusted as a stranger's: each attack below closes the sender only,
 * never enters storage, and leaves the document loadable after a restart, with a fresh member's sync equal
 * to what the honest members wrote.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import { CloseCode, generateIdentity, type Identity, MessageTag } from '@enclave/shared';
import { createRelay, type Relay, silentLogger } from '@enclave/relay';
import { createSpace, openDocument, type OpenDocument } from '../support/relay-fixture.js';
import { randomInt, seededRandom } from '../support/seeded-random.js';
import { folderBytes } from '../support/data-folder.js';
import { waitFor } from '../support/wait.js';
import { WireRecorder } from '../support/wire-recorder.js';

const SPACE = 'team';
const DOC = 'target.md';
const ROOM = `${SPACE}/${DOC}`;

/** A y-protocols sync frame: message type (0 step 1, 1 step 2, 2 update) and its payload. */
function syncFrame(type: number, payload: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, MessageTag.Sync);
  encoding.writeVarUint(encoder, type);
  encoding.writeVarUint8Array(encoder, payload);
  return encoding.toUint8Array(encoder);
}

/** The 10-byte frame: a sync update whose only struct (a GC) has length 0. */
const ZERO_LENGTH_STRUCT = new Uint8Array([0x00, 0x02, 0x07, 0x01, 0x01, 0x76, 0x00, 0x00, 0x00, 0x00]);
/** The 4-byte frame: a sync step 1 whose state vector is a truncated varint. */
const TRUNCATED_STATE_VECTOR = new Uint8Array([0x00, 0x00, 0x01, 0x80]);

/** Two updates of a document the relay never saw: `first` inserts `text`, `second` appends after it. */
function dependentPair(text: string, more: string): { first: Uint8Array; second: Uint8Array } {
  const doc = new Y.Doc();
  const captured: Uint8Array[] = [];
  doc.on('update', (u: Uint8Array) => captured.push(u));
  doc.getText('source').insert(0, text);
  doc.getText('source').insert(text.length, more);
  return { first: captured[0]!, second: captured[1]! };
}

describe('hostile members', function () {
  this.timeout(60_000);
  let dataDir: string;
  let relay: Relay;
  let url: string;
  let admin: Identity;
  let attacker: Identity;
  let viewer: Identity;
  let alice: Identity;
  let bob: Identity;
  let aliceDoc: OpenDocument;
  let bobDoc: OpenDocument;

  async function start(): Promise<void> {
    relay = createRelay({
      dataDir,
      admins: [admin.publicKey],
      logger: silentLogger,
      heldLimits: { maxMs: 400 },
    });
    url = (await relay.listen()).url;
  }

  /** What a member who joins now receives. */
  async function freshSync(): Promise<string> {
    const fresh = await openDocument(url, alice, { space: SPACE, document: DOC });
    try {
      return fresh.doc.getText('source').toString();
    } finally {
      fresh.close();
    }
  }

  /** Restarts the relay on the same data folder and checks the document loads with the honest text. */
  async function restartAndCheck(expected: string): Promise<void> {
    aliceDoc.close();
    bobDoc.close();
    await relay.close();
    await start();
    assert.equal(await freshSync(), expected, 'after a restart a fresh member gets the honest text');
    aliceDoc = await openDocument(url, alice, { space: SPACE, document: DOC });
    bobDoc = await openDocument(url, bob, { space: SPACE, document: DOC });
  }

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'enclave-hostile-'));
    [admin, attacker, viewer, alice, bob] = await Promise.all(
      ['Admin', 'Insider', 'Viewer', 'Alice', 'Bob'].map((name) => generateIdentity(name)),
    );
    await start();
    await createSpace(url, admin, SPACE, [
      { identity: attacker, role: 'editor' },
      { identity: viewer, role: 'viewer' },
      { identity: alice, role: 'editor' },
      { identity: bob, role: 'editor' },
    ]);
    aliceDoc = await openDocument(url, alice, { space: SPACE, document: DOC }, { create: 'draft' });
    bobDoc = await openDocument(url, bob, { space: SPACE, document: DOC });
    aliceDoc.doc.getText('source').insert(0, 'intact');
    await waitFor(() => bobDoc.doc.getText('source').toString() === 'intact', 'initial sync');
  });

  afterEach(async () => {
    aliceDoc.close();
    bobDoc.close();
    await relay.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses an update with a struct of length 0: the sender is closed, the document stays loadable', async () => {
    const insider = await WireRecorder.admitted(url, attacker, ROOM);
    insider.send(ZERO_LENGTH_STRUCT);
    assert.equal((await insider.closed()).code, CloseCode.ProtocolError);
    const dropped = await (await fetch(`${url.replace('ws', 'http')}/metrics`)).text();
    assert.match(dropped, /enclave_updates_dropped_total\{reason="malformed"\} 1/);
    assert.equal(await freshSync(), 'intact');
    aliceDoc.doc.getText('source').insert(6, '!');
    await waitFor(() => bobDoc.doc.getText('source').toString() === 'intact!', 'honest edits still flow');
    await restartAndCheck('intact!');
  });

  it("a viewer's truncated state vector closes that viewer only; the document is not failed", async () => {
    const watcher = await WireRecorder.admitted(url, viewer, ROOM);
    const reader = await WireRecorder.admitted(url, viewer, ROOM);
    reader.send(TRUNCATED_STATE_VECTOR);
    assert.equal((await reader.closed()).code, CloseCode.ProtocolError);
    aliceDoc.doc.getText('source').insert(6, ' still');
    await waitFor(() => bobDoc.doc.getText('source').toString() === 'intact still', 'honest edits still flow');
    await waitFor(() => watcher.received(' still'), 'the watching viewer got the edit');
    assert.equal(watcher.closeRecord, undefined, 'the other viewer was not disconnected');
    assert.equal(aliceDoc.connection.status, 'connected');
    assert.equal(bobDoc.connection.status, 'connected');
    watcher.close();
    await restartAndCheck('intact still');
  });

  it('holds an update with a missing dependency for its sender only: never stored, never forwarded', async () => {
    const marker = 'NEVER-STORED-'.repeat(800); // about 10 kB
    const { second } = dependentPair('base ', marker);
    const watcher = await WireRecorder.admitted(url, viewer, ROOM);
    const insider = await WireRecorder.admitted(url, attacker, ROOM);
    insider.send(syncFrame(2, second));
    const before = watcher.frames.length;
    aliceDoc.doc.getText('source').insert(6, '+');
    await waitFor(() => bobDoc.doc.getText('source').toString() === 'intact+', 'the next edit arrives');
    await waitFor(() => watcher.frames.length > before, 'the watcher got the edit');
    const forwarded = watcher.frames.slice(before).filter((f) => f[0] === MessageTag.Sync);
    assert.ok(
      forwarded.every((f) => f.length < 100),
      `forwarded ${forwarded.map((f) => f.length).join(', ')} bytes`,
    );
    assert.equal(watcher.received('NEVER-STORED'), false);
    // The held update expires and its sender is asked to sync again; nobody else is touched.
    assert.equal((await insider.closed()).code, CloseCode.MissingDependencies);
    assert.equal(watcher.closeRecord, undefined);
    await restartAndCheck('intact+');
    await relay.close();
    assert.equal(folderBytes(dataDir).includes('NEVER-STORED'), false, 'the held update never reached storage');
    await start();
  });

  it('integrates a held update once what it builds on arrives, and forwards both', async () => {
    const { first, second } = dependentPair('early ', 'late');
    const insider = await WireRecorder.admitted(url, attacker, ROOM);
    insider.send(syncFrame(2, second)); // sent before its dependency, as a client may right after a reconnect
    insider.send(syncFrame(2, first));
    await waitFor(() => bobDoc.doc.getText('source').toString().includes('early late'), 'both arrive');
    const text = bobDoc.doc.getText('source').toString();
    assert.equal(insider.closeRecord, undefined);
    insider.close();
    await restartAndCheck(text);
  });

  it('after any sequence of hostile frames, a restart loads the document and a fresh sync equals it', async function () {
    this.timeout(120_000);
    const random = seededRandom(20261130);
    const editorSide = new Y.Doc(); // the attacker's own valid edits, sometimes sent out of order
    const captured: Uint8Array[] = [];
    editorSide.on('update', (u: Uint8Array) => captured.push(u));
    const watcher = await WireRecorder.admitted(url, viewer, ROOM);
    const kinds = new Map<string, number>();
    const attacks: [string, () => Uint8Array][] = [
      ['zero-length struct', () => ZERO_LENGTH_STRUCT],
      ['truncated state vector', () => TRUNCATED_STATE_VECTOR],
      ['random update bytes', () => syncFrame(2, randomBytes(random, 1 + randomInt(random, 64)))],
      ['random step 2', () => syncFrame(1, randomBytes(random, 1 + randomInt(random, 64)))],
      ['random state vector', () => syncFrame(0, randomBytes(random, 1 + randomInt(random, 16)))],
      ['zero-length deletion', () => syncFrame(2, new Uint8Array([0, 1, 5, 1, 0, 0]))],
      [
        'valid edit, maybe out of order',
        () => {
          editorSide.getText('source').insert(0, 'x');
          return syncFrame(2, captured[randomInt(random, captured.length)]!);
        },
      ],
      [
        'truncated valid edit',
        () => {
          editorSide.getText('other').insert(0, 'truncate me');
          const u = captured.at(-1)!;
          return syncFrame(2, u.slice(0, 1 + randomInt(random, u.length - 1)));
        },
      ],
      ['garbage awareness', () => new Uint8Array([MessageTag.Awareness, ...randomBytes(random, 12)])],
    ];
    let insider = await WireRecorder.admitted(url, attacker, ROOM);
    let reader = await WireRecorder.admitted(url, viewer, ROOM);
    for (let i = 0; i < 150; i++) {
      const [kind, make] = attacks[randomInt(random, attacks.length)]!;
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      const bytes = make();
      if (insider.closeRecord) insider = await WireRecorder.admitted(url, attacker, ROOM);
      if (reader.closeRecord) reader = await WireRecorder.admitted(url, viewer, ROOM);
      insider.send(bytes);
      reader.send(bytes);
      if (i % 10 === 0) aliceDoc.doc.getText('source').insert(0, `a${i} `);
    }
    await waitFor(
      () => bobDoc.doc.getText('source').toString() === aliceDoc.doc.getText('source').toString(),
      'honest members converge',
    );
    const honest = aliceDoc.doc.getText('source').toString();
    assert.ok(honest.includes('a140 ') && honest.endsWith('intact'), honest);
    assert.equal(watcher.closeRecord, undefined, 'the watching viewer stayed connected');
    assert.equal(aliceDoc.connection.status, 'connected');
    assert.equal(bobDoc.connection.status, 'connected');
    insider.close();
    reader.close();
    watcher.close();
    assert.ok(kinds.size >= attacks.length - 1, `attack kinds used: ${[...kinds.keys()].join(', ')}`);
    // A fresh member's sync equals the honest members' state, now and after a restart.
    const relayText = await freshSync();
    assert.equal(relayText, bobDoc.doc.getText('source').toString());
    await restartAndCheck(relayText);
  });
});

function randomBytes(random: () => number, length: number): Uint8Array {
  return Uint8Array.from({ length }, () => randomInt(random, 256));
}
