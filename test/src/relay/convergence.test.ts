/**
 * Seeded random concurrent edits from several clients, through the relay, with disconnects, offline edits
 * and reconnects: every replica, and a fresh client, end equal. Notebooks exercise cell insert, delete,
 * move, source typing and metadata; drafts exercise text.
 */
import assert from 'node:assert/strict';
import { YNotebook } from '@jupyter/ydoc';
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import { generateIdentity, type Identity, insertNotebookCells, MessageTag, readNotebook } from '@enclave/shared';
import {
  createSpace,
  openDocument,
  type OpenDocument,
  type RelayFixture,
  startRelay,
} from '../support/relay-fixture.js';
import { randomInt, seededRandom } from '../support/seeded-random.js';
import { delay, waitFor } from '../support/wait.js';
import { WireRecorder } from '../support/wire-recorder.js';

const ROOM = { space: 'team', document: 'notebook.ipynb' };

async function compactionCount(fixture: RelayFixture): Promise<number> {
  const text = await fixture.relay.metrics.registry.getSingleMetricAsString('enclave_compactions_total');
  return Number(/enclave_compactions_total (\d+)/.exec(text)?.[1] ?? 0);
}

function randomNotebookEdit(notebook: YNotebook, random: () => number, who: string, step: number): void {
  const count = notebook.cells.length;
  const choice = randomInt(random, 10);
  if (count === 0 || choice < 2) {
    insertNotebookCells(notebook, randomInt(random, count + 1), [
      { cell_type: random() < 0.7 ? 'code' : 'markdown', source: `# ${who}:${step}\n`, metadata: {} },
    ]);
  } else if (choice < 3 && count > 2) {
    notebook.deleteCell(randomInt(random, count));
  } else if (choice < 4 && count > 1) {
    notebook.moveCell(randomInt(random, count), randomInt(random, count));
  } else if (choice < 5) {
    notebook.getCell(randomInt(random, count)).setMetadata('tags', [`${who}${step}`]);
  } else {
    const cell = notebook.getCell(randomInt(random, count));
    const length = cell.getSource().length;
    const at = randomInt(random, length + 1);
    if (random() < 0.25 && length > 0) cell.updateSource(at, Math.min(length, at + 1 + randomInt(random, 3)), '');
    else cell.updateSource(at, at, `${who}${step} `);
  }
}

describe('convergence under concurrent edits', function () {
  this.timeout(90_000);
  let fixture: RelayFixture;
  let editors: Identity[];

  beforeEach(async () => {
    fixture = await startRelay();
    editors = await Promise.all(['Ann', 'Ben', 'Cat', 'Dov'].map((n) => generateIdentity(n)));
    await createSpace(
      fixture.url,
      fixture.admin,
      'team',
      editors.map((identity) => ({ identity, role: 'editor' as const })),
    );
  });
  afterEach(async () => fixture.close());

  for (const seed of [1, 42, 2026]) {
    it(`notebook edits from 4 clients with disconnects converge (seed ${seed})`, async () => {
      const random = seededRandom(seed);
      const notebooks = editors.map(() => new YNotebook());
      const peers: (OpenDocument | undefined)[] = [];
      for (const [i, identity] of editors.entries()) {
        peers[i] = await openDocument(fixture.url, identity, ROOM, { create: 'notebook', doc: notebooks[i]!.ydoc });
      }
      for (let step = 0; step < 300; step++) {
        const i = randomInt(random, editors.length);
        randomNotebookEdit(notebooks[i]!, random, editors[i]!.name, step);
        if (random() < 0.03) {
          // Go offline (edits continue locally) or come back.
          if (peers[i]) {
            peers[i]!.close();
            peers[i] = undefined;
          } else {
            peers[i] = await openDocument(fixture.url, editors[i]!, ROOM, { doc: notebooks[i]!.ydoc });
          }
        }
        if (step % 25 === 0) await delay(5); // let frames interleave with edits
      }
      for (const [i, identity] of editors.entries()) {
        peers[i] ??= await openDocument(fixture.url, identity, ROOM, { doc: notebooks[i]!.ydoc });
      }
      const expected = (): string => JSON.stringify(readNotebook(notebooks[0]!));
      await waitFor(
        () => notebooks.every((nb) => JSON.stringify(readNotebook(nb)) === expected()),
        'all replicas equal',
      );
      const fresh = new YNotebook();
      const observer = await openDocument(fixture.url, editors[0]!, ROOM, { doc: fresh.ydoc });
      assert.equal(JSON.stringify(readNotebook(fresh)), expected(), 'a fresh client sees the same notebook');
      assert.ok(fresh.cells.length > 0);
      observer.close();
      peers.forEach((p) => p?.close());
      [...notebooks, fresh].forEach((nb) => nb.dispose());
    });
  }

  it('draft edits from 4 clients converge with no character lost or doubled', async () => {
    const random = seededRandom(7);
    const room = { space: 'team', document: 'draft.md' };
    const peers: OpenDocument[] = [];
    for (const identity of editors) peers.push(await openDocument(fixture.url, identity, room, { create: 'draft' }));
    const inserted = new Map<string, number>();
    for (let step = 0; step < 400; step++) {
      const i = randomInt(random, peers.length);
      const text = peers[i]!.doc.getText('source');
      const token = `<${i}.${step}>`;
      // Between tokens only, so that every token stays readable in the result.
      const current = text.toString();
      const boundaries = [0, ...[...current.matchAll(/>/g)].map((m) => m.index! + 1)];
      text.insert(boundaries[randomInt(random, boundaries.length)]!, token);
      inserted.set(token, 1);
      if (step % 40 === 0) await delay(5);
    }
    const final = (): string => peers[0]!.doc.getText('source').toString();
    await waitFor(() => peers.every((p) => p.doc.getText('source').toString() === final()), 'drafts equal');
    const found = final().match(/<\d+\.\d+>/g) ?? [];
    assert.equal(found.length, inserted.size, 'each insert appears exactly once');
    assert.deepEqual(new Set(found), new Set(inserted.keys()));
    peers.forEach((p) => p.close());
  });

  it('clients reconnect by themselves after a relay restart, and offline edits merge', async () => {
    const room = { space: 'team', document: 'restart.md' };
    const a = await openDocument(fixture.url, editors[0]!, room, { create: 'draft', reconnect: true });
    const b = await openDocument(fixture.url, editors[1]!, room, { reconnect: true });
    a.doc.getText('source').insert(0, 'before.');
    await waitFor(() => b.doc.getText('source').toString() === 'before.', 'first sync');
    const port = new URL(fixture.url).port;
    await fixture.relay.close();
    await waitFor(
      () => a.connection.status === 'disconnected' && b.connection.status === 'disconnected',
      'both see the outage',
    );
    a.doc.getText('source').insert(7, ' offline-a.');
    b.doc.getText('source').insert(0, 'offline-b. ');
    const { createRelay, silentLogger } = await import('@enclave/relay');
    const restarted = createRelay({
      dataDir: fixture.dataDir,
      admins: [fixture.admin.publicKey],
      port: Number(port),
      logger: silentLogger,
    });
    await restarted.listen();
    try {
      const expected = 'offline-b. before. offline-a.';
      await waitFor(
        () => a.doc.getText('source').toString() === expected && b.doc.getText('source').toString() === expected,
        'both converge after reconnecting',
        15_000,
      );
      assert.equal(a.connection.status, 'connected');
    } finally {
      a.close();
      b.close();
      await restarted.close();
    }
  });

  it('compacts an open document once it is quiet, and one edited without pause by 10x that at the latest', async () => {
    const quick = await startRelay({ compactAfterMs: 200 });
    try {
      const [editor] = editors;
      await createSpace(quick.url, quick.admin, 'team', [{ identity: editor!, role: 'editor' }]);
      const compactions = (): Promise<number> => compactionCount(quick);
      const quiet = await openDocument(
        quick.url,
        editor!,
        { space: 'team', document: 'quiet.md' },
        { create: 'draft' },
      );
      quiet.doc.getText('source').insert(0, 'one small edit');
      await quiet.session.flush();
      assert.equal(await compactions(), 0, 'far below compactAfterUpdates, nothing compacted yet');
      await waitFor(async () => (await compactions()) === 1, 'compacted once quiet for 200 ms', 5_000);

      // Never quiet for 200 ms: an edit every 50 ms. The 2 s deadline still applies.
      const busy = await openDocument(quick.url, editor!, { space: 'team', document: 'busy.md' }, { create: 'draft' });
      const started = Date.now();
      let compactedAfterMs = 0;
      let longestGapMs = 0;
      let lastEdit = started;
      while (Date.now() - started < 4_000 && compactedAfterMs === 0) {
        busy.doc.getText('source').insert(0, 'x');
        longestGapMs = Math.max(longestGapMs, Date.now() - lastEdit);
        lastEdit = Date.now();
        await busy.session.flush();
        if ((await compactions()) === 2) compactedAfterMs = Date.now() - started;
        await delay(50);
      }
      assert.ok(compactedAfterMs > 0 && compactedAfterMs < 4_000, `compacted after ${compactedAfterMs} ms`);
      // Unless this machine stalled long enough to make the document quiet, it was the deadline.
      if (longestGapMs < 150) assert.ok(compactedAfterMs >= 1_500, `compacted after ${compactedAfterMs} ms`);
      quiet.close();
      busy.close();
    } finally {
      await quick.close();
    }
  });

  it('holds an update that arrives before the one it builds on, then stores and forwards both', async () => {
    const [ann, ben] = editors;
    const room = { space: 'team', document: 'order.md' };
    const reader = await openDocument(fixture.url, ben!, room, { create: 'draft' });
    // Two updates from one writer, the second building on the first, sent second first.
    const source = new Y.Doc();
    const updates: Uint8Array[] = [];
    source.on('update', (u: Uint8Array) => updates.push(u));
    source.getText('source').insert(0, 'first ');
    source.getText('source').insert(6, 'second');
    const wire = await WireRecorder.admitted(fixture.url, ann!, 'team/order.md');
    const syncUpdate = (update: Uint8Array): Uint8Array => {
      const e = encoding.createEncoder();
      encoding.writeVarUint(e, MessageTag.Sync);
      encoding.writeVarUint(e, 2);
      encoding.writeVarUint8Array(e, update);
      return encoding.toUint8Array(e);
    };
    wire.send(syncUpdate(updates[1]!));
    await delay(200);
    assert.equal(reader.doc.getText('source').toString(), '', 'nothing forwarded while it cannot integrate');
    wire.send(syncUpdate(updates[0]!));
    await waitFor(() => reader.doc.getText('source').toString() === 'first second', 'both arrive');
    wire.close();
    reader.close();
    await fixture.relay.close();
    const { createRelay, silentLogger } = await import('@enclave/relay');
    const restarted = createRelay({
      dataDir: fixture.dataDir,
      admins: [fixture.admin.publicKey],
      logger: silentLogger,
    });
    const { url } = await restarted.listen();
    try {
      const fresh = await openDocument(url, ben!, room);
      assert.equal(fresh.doc.getText('source').toString(), 'first second', 'both were stored');
      fresh.close();
    } finally {
      await restarted.close();
    }
  });

  it('compacts a document past compactAfterUpdates in its first pause, or at twice that many updates', async () => {
    const small = await startRelay({ compactAfterUpdates: 10, compactPauseMs: 1_500 });
    try {
      const [editor] = editors;
      await createSpace(small.url, small.admin, 'team', [{ identity: editor!, role: 'editor' }]);
      const writer = await openDocument(small.url, editor!, { space: 'team', document: 'p.md' }, { create: 'draft' });
      let longestGapMs = 0;
      let lastEdit = Date.now();
      for (let i = 0; i < 15; i++) {
        writer.doc.getText('source').insert(i, 'x');
        await writer.session.flush();
        longestGapMs = Math.max(longestGapMs, Date.now() - lastEdit);
        lastEdit = Date.now();
      }
      // Unless this machine stalled for the whole pause, nothing was compacted while the edits kept coming.
      if (longestGapMs < 1_200) assert.equal(await compactionCount(small), 0, 'not compacted mid-typing');
      await waitFor(async () => (await compactionCount(small)) === 1, 'compacted in the pause', 5_000);
      for (let i = 0; i < 20; i++) {
        writer.doc.getText('source').insert(0, 'y');
        await writer.session.flush();
      }
      await waitFor(
        async () => (await compactionCount(small)) === 2,
        'compacted at 20 updates, no pause needed',
        1_000,
      );
      writer.close();
    } finally {
      await small.close();
    }
  });

  it('replicas built from snapshots plus updates equal replicas that saw every update', async () => {
    const small = await startRelay({ compactAfterUpdates: 10 });
    try {
      const [editor] = editors;
      await createSpace(small.url, small.admin, 'team', [{ identity: editor!, role: 'editor' }]);
      const room = { space: 'team', document: 'c.md' };
      const writer = await openDocument(small.url, editor!, room, { create: 'draft' });
      // One edit at a time: edits arriving together are stored together and counted towards one compaction.
      for (let i = 0; i < 45; i++) {
        writer.doc.getText('source').insert(i, String(i % 10));
        await writer.session.flush();
      }
      // Without a pause, compacted at 20 and 40 updates.
      await waitFor(async () => (await compactionCount(small)) >= 2, 'compacted twice', 5_000);
      const reader = await openDocument(small.url, editor!, room);
      assert.equal(reader.doc.getText('source').toString(), writer.doc.getText('source').toString());
      assert.equal(reader.doc.getText('source').length, 45);
      writer.close();
      reader.close();
    } finally {
      await small.close();
    }
  });
});
