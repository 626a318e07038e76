/**
 * The cluster as an operator runs it: `enclave relay` processes on one private PostgreSQL and one private
 * redis-server, sharing one relay identity. Members on different relays (CLI and client-library peers)
 * converge and `enclave pull` from any relay gives what they see; a relay killed with SIGKILL, Redis
 * restarted or cut off, and PostgreSQL restarted lose nothing acknowledged and double nothing; a revoke on
 * one relay cuts the member off on another within 200 ms; a sealed space works across relays.
 */
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { YNotebook } from '@jupyter/ydoc';
import * as Y from 'yjs';
import {
  CloseCode,
  DocumentSession,
  EnclaveConnection,
  type Identity,
  insertNotebookCells,
  normalizeNotebook,
  parseIpynb,
  readNotebook,
} from '@enclave/shared';
import { runCli } from '../support/cli.js';
import { FIXTURE_NOTEBOOKS } from '../support/paths.js';
import {
  type ClusterEngines,
  healthOf,
  type IdentityOnDisk,
  type ProcessCluster,
  startClusterEngines,
  startProcessCluster,
} from '../support/process-cluster.js';
import { connect, createSpace, NodeWebSocket, openDocument, type OpenDocument } from '../support/relay-fixture.js';
import { waitFor } from '../support/wait.js';
import { WireRecorder } from '../support/wire-recorder.js';

const DRAFT = { space: 'team', document: 'draft.md' };

/** A client-library peer given every address of the service, starting with `urls[0]`. */
function peerOn(urls: readonly string[], identity: Identity, doc: Y.Doc, create?: 'draft'): OpenDocument {
  const connection = new EnclaveConnection({
    relayUrl: urls[0]!,
    alternateUrls: urls.slice(1),
    room: DRAFT,
    identity,
    WebSocket: NodeWebSocket,
    reconnect: true,
    backoff: { initialMs: 50, maxMs: 400 },
    keepAlive: { connectTimeoutMs: 2000 },
  }).connect();
  const session = new DocumentSession({ connection, doc, ...(create ? { create } : {}) });
  return {
    doc,
    session,
    connection,
    close() {
      session.destroy();
      connection.destroy();
    },
  };
}

const textOf = (peer: OpenDocument): string => peer.doc.getText('source').toString();

describe('relay processes on one PostgreSQL and one Redis', function () {
  this.timeout(60_000);
  let engines: ClusterEngines;
  let cluster: ProcessCluster | undefined;
  const open: OpenDocument[] = [];
  let ann: IdentityOnDisk;
  let ben: IdentityOnDisk;

  before(async () => {
    engines = await startClusterEngines();
  });
  after(async () => engines?.close());
  afterEach(async () => {
    open.splice(0).forEach((peer) => peer.close());
    await cluster?.close();
    cluster = undefined;
    // A test that stopped an engine must not leave the next without it.
    await engines.redis.resume();
    await engines.postgres.start().catch(() => undefined);
  });

  async function setUp(count: number, redisProxyFor?: number): Promise<ProcessCluster> {
    cluster = await startProcessCluster(engines, count, redisProxyFor === undefined ? {} : { redisProxyFor });
    ann = await cluster.newIdentity('Ann');
    ben = await cluster.newIdentity('Ben');
    await createSpace(cluster.urls[0]!, cluster.admin.identity, 'team', [
      { identity: ann.identity, role: 'editor' },
      { identity: ben.identity, role: 'editor' },
    ]);
    return cluster;
  }

  /** A synced peer on the draft: on one relay, or given several addresses (tried in that order). */
  async function member(url: string | readonly string[], who: Identity, create?: 'draft'): Promise<OpenDocument> {
    const peer =
      typeof url === 'string'
        ? await openDocument(url, who, DRAFT, create ? { create } : {})
        : peerOn(url, who, new Y.Doc(), create);
    open.push(peer);
    await peer.session.whenSynced();
    return peer;
  }

  it('shares one relay identity: a listing signed through one relay verifies through the other', async () => {
    const { relays, relayIdentityFile } = await setUp(2);
    const ids = relays.map((relay) => /relay id (\S+)/.exec(relay.output())?.[1]);
    assert.ok(ids[0], relays[0]!.output());
    assert.equal(ids[1], ids[0]);
    assert.equal(statSync(relayIdentityFile).mode & 0o777, 0o600);
    // A lead signs a directory listing for the relay id it met; a visitor reads it through the other relay.
    const listed = await runCli(
      ['space', 'list', 'team', '--title', 'Team', '--description', 'D'],
      cluster!.cliEnv(cluster!.admin, [0]),
    );
    assert.equal(listed.code, 0, listed.stderr);
    const visitor = await cluster!.newIdentity('Visitor');
    const read = await runCli(['directory'], cluster!.cliEnv(visitor, [1]));
    assert.equal(read.code, 0, read.stderr);
    assert.match(read.stdout, /team: Team\n\s+verified: signed by Admin/);
  });

  it('three relays: CLI and library peers edit one notebook, converge, and `enclave pull` from each equals it', async () => {
    const { urls } = await setUp(3);
    const source = join(FIXTURE_NOTEBOOKS, 'Main_Demo.ipynb');
    const pushed = await runCli(['push', 'team/analysis.ipynb', source], cluster!.cliEnv(cluster!.admin, [0]));
    assert.equal(pushed.code, 0, pushed.stderr);
    const room = { space: 'team', document: 'analysis.ipynb' };
    const editors = [cluster!.admin.identity, ann.identity, ben.identity];
    const notebooks = editors.map(() => new YNotebook());
    for (const [i, who] of editors.entries()) {
      open.push(await openDocument(urls[i]!, who, room, { doc: notebooks[i]!.ydoc }));
    }
    for (let step = 0; step < 30; step++) {
      const i = step % 3;
      const nb = notebooks[i]!;
      if (step % 5 === 0) {
        insertNotebookCells(nb, nb.cells.length, [{ cell_type: 'code', source: `# ${i}:${step}\n`, metadata: {} }]);
      } else {
        nb.getCell(step % nb.cells.length).updateSource(0, 0, `e${i}s${step} `);
      }
    }
    const expected = (): string => JSON.stringify(readNotebook(notebooks[0]!));
    await waitFor(() => notebooks.every((nb) => JSON.stringify(readNotebook(nb)) === expected()), 'replicas equal');
    for (const peer of open) await peer.session.flush();
    // A second CLI peer edits too: a push of a draft beside it, read back from every relay.
    const draft = join(cluster!.dir, 'note.md');
    writeFileSync(draft, 'from the CLI on relay 2\n');
    const note = await runCli(['push', 'team/note.md', draft], cluster!.cliEnv(ben, [2]));
    assert.equal(note.code, 0, note.stderr);

    const want = normalizeNotebook(readNotebook(notebooks[0]!));
    for (let i = 0; i < 3; i++) {
      const out = join(cluster!.dir, `pulled-${i}.ipynb`);
      const pulled = await runCli(['pull', 'team/analysis.ipynb', '--out', out], cluster!.cliEnv(ann, [i]));
      assert.equal(pulled.code, 0, pulled.stderr);
      assert.deepEqual(normalizeNotebook(parseIpynb(readFileSync(out, 'utf8'))), want, `pull from relay ${i}`);
      const noteOut = join(cluster!.dir, `note-${i}.md`);
      assert.equal((await runCli(['pull', 'team/note.md', '--out', noteOut], cluster!.cliEnv(ann, [i]))).code, 0);
      assert.equal(readFileSync(noteOut, 'utf8'), 'from the CLI on relay 2\n');
    }
    notebooks.forEach((nb) => nb.dispose());
  });

  it('a relay killed with SIGKILL: its clients move to another relay; nothing flushed is lost or doubled', async () => {
    const { urls, relays } = await setUp(3);
    const a = await member([urls[1]!, urls[0]!, urls[2]!], ann.identity, 'draft');
    const b = await member([urls[2]!, urls[0]!, urls[1]!], ben.identity);
    const written: string[] = [];
    const write = async (peer: OpenDocument, word: string): Promise<void> => {
      peer.doc.getText('source').insert(textOf(peer).length, `${word} `);
      written.push(word);
      await peer.session.flush();
    };
    for (let i = 0; i < 5; i++) await write(a, `a${i}`);
    await waitFor(() => textOf(b) === textOf(a), 'b sees a before the kill');

    await relays[1]!.kill('SIGKILL');
    a.doc.getText('source').insert(textOf(a).length, 'unsent ');
    written.push('unsent');
    await waitFor(
      () => a.connection.status === 'connected' && a.connection.relayUrl !== urls[1] && a.session.synced,
      'a moved to a live relay',
      20_000,
    );
    for (let i = 5; i < 10; i++) await write(a, `a${i}`);
    await write(b, 'b0');
    await waitFor(() => textOf(b) === textOf(a), 'converged after the move');
    for (const word of written) {
      assert.equal(
        textOf(a)
          .split(' ')
          .filter((w) => w === word).length,
        1,
        `${word} once in "${textOf(a)}"`,
      );
    }
    // What storage holds, through a relay neither used: the same.
    const fresh = await openDocument(urls[0]!, cluster!.admin.identity, DRAFT);
    open.push(fresh);
    assert.equal(textOf(fresh), textOf(a));
  });

  it('Redis restarted, then one relay cut off from it: edits made meanwhile reach everyone, once each', async () => {
    const { urls, redisProxy } = await setUp(2, 1);
    const redis = engines.redis;
    const a = await member(urls[0]!, ann.identity, 'draft');
    const b = await member(urls[1]!, ben.identity);
    a.doc.getText('source').insert(0, 'before. ');
    await waitFor(() => textOf(b) === 'before. ', 'first edit crosses');

    await redis.stop();
    await waitFor(async () => (await healthOf(urls[0]!)).body.fanOut?.state === 'down', 'relay 0 reports Redis down');
    a.doc.getText('source').insert(textOf(a).length, 'A-redis-down. ');
    b.doc.getText('source').insert(0, 'B-redis-down. ');
    await a.session.flush();
    await b.session.flush(); // stored: acknowledged while Redis is down
    await redis.resume();
    const has = (peer: OpenDocument, words: string[]): boolean => words.every((w) => textOf(peer).includes(w));
    const afterRestart = ['A-redis-down.', 'B-redis-down.'];
    await waitFor(() => has(a, afterRestart) && has(b, afterRestart), 'caught up after the restart', 20_000);

    redisProxy!.freeze(); // relay 1 hears nothing from Redis, and Redis nothing from it
    a.doc.getText('source').insert(textOf(a).length, 'A-cut-off. ');
    b.doc.getText('source').insert(0, 'B-cut-off. ');
    await a.session.flush();
    await b.session.flush();
    await new Promise((resolve) => setTimeout(resolve, 4000)); // "a few seconds" cut off: the scenario itself
    redisProxy!.thaw();
    const all = [...afterRestart, 'A-cut-off.', 'B-cut-off.'];
    await waitFor(() => has(a, all) && has(b, all) && textOf(a) === textOf(b), 'caught up after the cut', 20_000);
    for (const word of ['before.', ...all]) {
      assert.equal(textOf(a).split(word).length, 2, `${word} once in "${textOf(a)}"`);
    }
    const fresh = await openDocument(urls[1]!, cluster!.admin.identity, DRAFT);
    open.push(fresh);
    assert.equal(textOf(fresh), textOf(a), 'storage holds what the editors see');
  });

  it('PostgreSQL restarted: writes are refused while it is down, nothing acknowledged is lost, relays recover', async () => {
    const { urls } = await setUp(2);
    const postgres = engines.postgres;
    const writer = await member(urls, ann.identity, 'draft');
    const watcher = await member([urls[1]!, urls[0]!], ben.identity);
    writer.doc.getText('source').insert(0, 'acknowledged. ');
    await writer.session.flush();
    await waitFor(() => textOf(watcher) === 'acknowledged. ', 'the watcher has the stored edit');

    const closes: { code: number; reason: string }[] = [];
    writer.connection.on('closed', (info) => closes.push({ code: info.code, reason: info.reason }));
    await postgres.stop();
    writer.doc.getText('source').insert(textOf(writer).length, 'while down. ');
    const flushed = writer.session.flush().then(
      () => 'acknowledged',
      (error: Error) => `refused: ${error.message}`,
    );
    await waitFor(
      () => closes.some((c) => c.code === CloseCode.InternalError && /storage unavailable/.test(c.reason)),
      'the writer is told its edit could not be stored',
    );
    assert.equal(textOf(watcher), 'acknowledged. ', 'nothing unstored was forwarded');
    const down = await healthOf(urls[0]!);
    assert.deepEqual([down.status, down.body.status], [503, 'storage-down']);
    assert.match(await flushed, /^refused: .*storage unavailable/, 'the edit was not acknowledged');

    await postgres.start();
    // The client kept the refused edit and sends it again once a relay can store it.
    await waitFor(() => textOf(watcher) === 'acknowledged. while down. ', 'the edit arrives once back', 30_000);
    writer.doc.getText('source').insert(textOf(writer).length, 'after.');
    await writer.session.flush();
    await waitFor(() => textOf(watcher) === textOf(writer), 'later edits flow again');
    for (const url of urls) assert.equal((await healthOf(url)).status, 200, 'both relays recovered by themselves');
    const out = join(cluster!.dir, 'after-restart.md');
    const pulled = await runCli(['pull', 'team/draft.md', '--out', out], cluster!.cliEnv(ben, [1]));
    assert.equal(pulled.code, 0, pulled.stderr);
    assert.equal(readFileSync(out, 'utf8'), 'acknowledged. while down. after.');
  });

  it('a revoke on relay A cuts the member off on relay B within 200 ms, and B sends them nothing more', async () => {
    const { urls } = await setUp(2);
    const a = await member(urls[0]!, ann.identity, 'draft');
    const witness = await member(urls[1]!, cluster!.admin.identity);
    const revoked = await WireRecorder.admitted(urls[1]!, ben.identity, 'team/draft.md');
    const lead = connect(urls[0]!, cluster!.admin.identity, { space: 'team' });
    try {
      await lead.whenWelcomed();
      const started = performance.now();
      await lead.request({ op: 'members.revoke', publicKey: ben.identity.publicKey });
      const closed = await revoked.closed(2000);
      const elapsed = performance.now() - started;
      assert.equal(closed.code, CloseCode.AccessRevoked);
      assert.ok(elapsed < 200, `cut off after ${Math.round(elapsed)} ms`);
      const frames = revoked.frames.length;
      a.doc.getText('source').insert(0, 'after the revoke');
      await a.session.flush();
      await waitFor(() => textOf(witness) === 'after the revoke', 'B forwards to the others');
      assert.equal(revoked.frames.length, frames, 'nothing reached the revoked member');
      assert.equal(revoked.received('after the revoke'), false);
    } finally {
      lead.destroy();
      revoked.close();
    }
  });

  it('a sealed space across two relays: push on one, pull on the other, and a revoke rotation', async () => {
    const c = await setUp(2);
    const lead0 = c.cliEnv(c.admin, [0]);
    const lead1 = c.cliEnv(c.admin, [1]);
    const ben0 = c.cliEnv(ben, [0]);
    const ben1 = c.cliEnv(ben, [1]);
    const created = await runCli(['space', 'create', 'vault', '--sealed'], lead0);
    assert.equal(created.code, 0, created.stderr);
    const granted = await runCli(
      ['grant', 'vault', ben.identity.publicKey, '--role', 'editor', '--name', 'Ben'],
      lead1,
    );
    assert.equal(granted.code, 0, granted.stderr);
    const source = join(FIXTURE_NOTEBOOKS, 'Main_Demo.ipynb');
    assert.equal((await runCli(['push', 'vault/demo.ipynb', source], lead0)).code, 0);
    const out = join(c.dir, 'sealed.ipynb');
    const pulled = await runCli(['pull', 'vault/demo.ipynb', '--out', out], ben1);
    assert.equal(pulled.code, 0, pulled.stderr);
    assert.deepEqual(
      normalizeNotebook(parseIpynb(readFileSync(out, 'utf8'))),
      normalizeNotebook(parseIpynb(readFileSync(source, 'utf8'))),
    );

    const revoked = await runCli(['revoke', 'vault', ben.identity.publicKey], lead1);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.match(revoked.stdout, /key epoch 2/);
    assert.equal((await runCli(['pull', 'vault/demo.ipynb', '--out', join(c.dir, 'x.ipynb')], ben0)).code, 3);
    const draft = join(c.dir, 'after.md');
    writeFileSync(draft, 'written under epoch 2\n');
    assert.equal((await runCli(['push', 'vault/after.md', draft], lead1)).code, 0);
    const after = join(c.dir, 'after-out.md');
    assert.equal((await runCli(['pull', 'vault/after.md', '--out', after], lead0)).code, 0);
    assert.equal(readFileSync(after, 'utf8'), 'written under epoch 2\n');
  });
});
