/**
 * Strangers cannot grow the relay's storage, memory or logs: refused handshakes are counted in a bounded
 * number of audit entries and log lines, and per-address limits turn a flood away at the upgrade while
 * admitted members keep working, without locking anyone out once the flood stops.
 */
import assert from 'node:assert/strict';
import * as decoding from 'lib0/decoding';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import {
  answerChallenge,
  type AuditEntry,
  CloseCode,
  decodeServerMessage,
  encodeClientMessage,
  generateIdentity,
  type Identity,
  importSigningKey,
  readTag,
} from '@enclave/shared';
import { DATABASE_FILE, DEFAULT_LIMITS, jsonLogger, REFUSAL_OVERFLOW_REASON } from '@enclave/relay';
import { connect, createSpace, openDocument, type RelayFixture, startRelay } from '../support/relay-fixture.js';
import { waitFor } from '../support/wait.js';
import { WireRecorder } from '../support/wire-recorder.js';

const httpUrl = (wsUrl: string, path: string): string => `${wsUrl.replace(/^ws/, 'http')}${path}`;

interface Upgrade {
  /** 101 when the WebSocket opened, else the HTTP status of the refusal. */
  readonly status: number;
  readonly socket: WebSocket;
  /** Frames received, recorded from the start. */
  readonly frames: Uint8Array[];
}

/** Opens a raw WebSocket from `localAddress` (any 127.x address works on loopback). */
function upgrade(url: string, localAddress = '127.0.0.1'): Promise<Upgrade> {
  return new Promise((resolve) => {
    const frames: Uint8Array[] = [];
    const socket = new WebSocket(url, { localAddress });
    socket.on('message', (data: Buffer) => frames.push(new Uint8Array(data)));
    socket.on('error', () => undefined);
    socket.on('open', () => resolve({ status: 101, socket, frames }));
    socket.on('unexpected-response', (request, response) => {
      resolve({ status: response.statusCode ?? 0, socket, frames });
      request.destroy();
    });
  });
}

/** Answers an opened connection's challenge as a stranger with a fresh key; resolves with the close code. */
async function answerAsStranger({ socket, frames }: Upgrade, room: string): Promise<number> {
  const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
  await waitFor(() => frames.length > 0, 'the challenge');
  const decoder = decoding.createDecoder(frames[0]!);
  readTag(decoder);
  const challenge = decodeServerMessage(decoder);
  if (challenge.type !== 'challenge') throw new Error('the first frame was not a challenge');
  const stranger = await generateIdentity('Fresh');
  socket.send(
    encodeClientMessage(await answerChallenge(challenge, stranger, await importSigningKey(stranger), room, 1)),
  );
  return closed;
}

/** A handshake that the relay refuses: `identity`'s key, signed by `signer`; resolves with the close code. */
async function refusedHandshake(url: string, room: string, identity: Identity, signer = identity): Promise<number> {
  const recorder = await WireRecorder.open(`${url}/${room}`);
  const answer = await answerChallenge(recorder.challenge, identity, await importSigningKey(signer), room, 1);
  recorder.send(encodeClientMessage(answer));
  return (await recorder.closed()).code;
}

async function inBatches<T>(tasks: (() => Promise<T>)[], size: number): Promise<T[]> {
  const results: T[] = [];
  for (let i = 0; i < tasks.length; i += size)
    results.push(...(await Promise.all(tasks.slice(i, i + size).map((t) => t()))));
  return results;
}

async function refusalEntries(fixture: RelayFixture, space: string): Promise<AuditEntry[]> {
  const lead = connect(fixture.url, fixture.admin, { space });
  try {
    return (await lead.request({ op: 'audit.list' })).entries.filter((e) => e.event === 'refused');
  } finally {
    lead.destroy();
  }
}

/** Sums a labelled Prometheus counter's samples, by label value. */
async function metricByLabel(url: string, name: string): Promise<Record<string, number>> {
  const text = await (await fetch(httpUrl(url, '/metrics'))).text();
  const values: Record<string, number> = {};
  for (const [, label, value] of text.matchAll(new RegExp(`^${name}\\{[a-z]+="([^"]+)"\\} (\\d+)$`, 'gm'))) {
    values[label!] = Number(value);
  }
  return values;
}

const sum = (entries: readonly AuditEntry[]): number => entries.reduce((n, e) => n + (e.count ?? 1), 0);

describe('strangers: refused handshakes leave bounded traces', () => {
  it('300 refused handshakes at an existing space leave a bounded, correctly counted audit and log', async () => {
    const lines: Record<string, unknown>[] = [];
    const fixture = await startRelay({
      logger: jsonLogger((line) => lines.push(JSON.parse(line) as Record<string, unknown>)),
      // Only what storage and the log keep is under test here, so every handshake reaches the relay.
      limits: { handshakeBurstPerAddress: 1000, refusalBurstPerAddress: 1000 },
    });
    try {
      const member = await generateIdentity('Member');
      await createSpace(fixture.url, fixture.admin, 'team', [{ identity: member, role: 'editor' }]);
      const unknown = await Promise.all([0, 1, 2, 3, 4].map((i) => generateIdentity(`Unknown ${i}`)));
      const attempts: (() => Promise<number>)[] = [];
      for (let i = 0; i < 100; i++) {
        attempts.push(() => refusedHandshake(fixture.url, 'team/paper.md', unknown[i % 5]!));
        attempts.push(() => refusedHandshake(fixture.url, 'team', member, unknown[0])); // a member's key, forged
      }
      for (let i = 0; i < 100; i++) {
        attempts.push(async () => refusedHandshake(fixture.url, `team/doc${i}.md`, await generateIdentity('Fresh')));
      }
      const codes = await inBatches(attempts, 10);
      assert.equal(codes.filter((c) => c === CloseCode.Forbidden).length, 200);
      assert.equal(codes.filter((c) => c === CloseCode.Unauthenticated).length, 100);

      await waitFor(async () => sum(await refusalEntries(fixture, 'team')) === 300, 'all 300 refusals counted');
      const entries = await refusalEntries(fixture, 'team');
      const perWindow = DEFAULT_LIMITS.refusalAuditEntriesPerWindow;
      // 106 distinct (key, reason) pairs: one window holds at most perWindow of them plus one overflow entry.
      // (A run across a window boundary may use two windows, never more.)
      const windows = countWindows(entries);
      assert.ok(windows <= 2);
      assert.ok(entries.length <= windows * (perWindow + 1), `${entries.length} refusal entries`);
      const overflow = entries.filter((e) => e.reason === REFUSAL_OVERFLOW_REASON);
      assert.ok(overflow.length >= 1 && overflow.every((e) => e.actor === null));
      const count = (actor: string, reason: string): number =>
        sum(entries.filter((e) => e.actor === actor && e.reason === reason));
      assert.equal(count(member.publicKey, 'invalid signature'), 100, 'forged handshakes counted under the key');
      for (const key of unknown) assert.equal(count(key.publicKey, 'not a member'), 20);
      assert.ok(entries.every((e) => e.since !== undefined && e.since <= e.time));

      const metrics = await metricByLabel(fixture.url, 'enclave_refusals_audited_total');
      assert.equal((metrics['own'] ?? 0) + (metrics['overflow'] ?? 0), 300);
      assert.ok((metrics['overflow'] ?? 0) > 0);

      await fixture.relay.close();
      const bytes = statSync(join(fixture.dataDir, DATABASE_FILE)).size;
      // About 38 KB here: the schema, one space and at most perWindow + 1 refusal entries (1 KB pages).
      assert.ok(bytes < 64 * 1024, `the database holds ${bytes} bytes after 300 refusals`);

      const refusedLines = lines.filter((l) => l['message'] === 'handshake refused');
      assert.equal(refusedLines.length, DEFAULT_LIMITS.refusalLogLinesPerMinute, 'only the first lines in full');
      const summary = lines.find((l) => String(l['message']).startsWith('connections refused:'));
      const notLogged = Object.values((summary?.['notLogged'] ?? {}) as Record<string, number>);
      assert.equal(refusedLines.length + notLogged.reduce((n, v) => n + v, 0), 300, 'the summary counts the rest');
    } finally {
      await fixture.close();
    }
  });
});

/** Distinct counting windows the entries fall in (the default window is an hour, aligned to the epoch). */
function countWindows(entries: readonly AuditEntry[]): number {
  const windowMs = DEFAULT_LIMITS.refusalAuditWindowMs;
  return new Set(entries.map((e) => Math.floor(Date.parse(e.since!) / windowMs))).size;
}

describe('strangers: admission limits per address', () => {
  it('turns a handshake flood away at the upgrade while members keep working, and lets members in after', async () => {
    const fixture = await startRelay({
      limits: {
        handshakeBurstPerAddress: 40,
        handshakesPerSecondPerAddress: 20,
        refusalBurstPerAddress: 20,
        refusalsPerSecondPerAddress: 10,
      },
    });
    try {
      const [alice, bob, carol] = await Promise.all(['Alice', 'Bob', 'Carol'].map((n) => generateIdentity(n)));
      await createSpace(fixture.url, fixture.admin, 'team', [
        { identity: alice!, role: 'editor' },
        { identity: bob!, role: 'editor' },
        { identity: carol!, role: 'editor' },
      ]);
      const room = { space: 'team', document: 'notes.md' } as const;
      const a = await openDocument(fixture.url, alice!, room, { create: 'draft' });
      const b = await openDocument(fixture.url, bob!, room);

      const statuses: number[] = [];
      const stranger = async (): Promise<void> => {
        const opened = await upgrade(`${fixture.url}/team/notes.md`);
        statuses.push(opened.status);
        if (opened.status === 101) assert.equal(await answerAsStranger(opened, 'team/notes.md'), CloseCode.Forbidden);
      };
      const flood = inBatches(
        Array.from({ length: 150 }, () => stranger),
        15,
      );
      a.doc.getText('source').insert(0, 'still working');
      await waitFor(() => b.doc.getText('source').toString() === 'still working', 'the edit reaches the other member');
      await flood;

      const turnedAway = statuses.filter((s) => s === 429).length;
      assert.ok(turnedAway > 0, `${turnedAway} of ${statuses.length} got 429`);
      assert.deepEqual([...new Set(statuses)].sort(), [101, 429]);
      const limited = await metricByLabel(fixture.url, 'enclave_admission_limited_total');
      assert.ok(Object.values(limited).reduce((n, v) => n + v, 0) >= turnedAway, JSON.stringify(limited));

      // The flood has stopped: a member from the same address gets in once the buckets refill.
      // (A first attempt that meets a 429 fails fast, as any open against an unreachable relay does: retry.)
      let c: Awaited<ReturnType<typeof openDocument>> | undefined;
      await waitFor(async () => {
        c = await openDocument(fixture.url, carol!, room).catch(() => undefined);
        return c !== undefined;
      }, 'a member gets in once the flood stops');
      assert.equal(c!.doc.getText('source').toString(), 'still working');
      c!.close();
      a.close();
      b.close();
    } finally {
      await fixture.close();
    }
  });

  it('caps unadmitted connections per address (429) and in all (503), and frees places as they close', async () => {
    const fixture = await startRelay({
      limits: { unadmittedPerAddress: 3, unadmittedTotal: 5, handshakeTimeoutMs: 60_000 },
    });
    const silent: WebSocket[] = [];
    try {
      const [alice, bob] = await Promise.all(['Alice', 'Bob'].map((n) => generateIdentity(n)));
      await createSpace(fixture.url, fixture.admin, 'team', [
        { identity: alice!, role: 'editor' },
        { identity: bob!, role: 'editor' },
      ]);
      const room = { space: 'team', document: 'notes.md' } as const;
      const a = await openDocument(fixture.url, alice!, room, { create: 'draft' });
      const b = await openDocument(fixture.url, bob!, room);
      const url = `${fixture.url}/team/notes.md`;

      // Connections that take the challenge and never answer.
      const hold = async (from: string): Promise<number> => {
        const { status, socket } = await upgrade(url, from);
        if (status === 101) silent.push(socket);
        return status;
      };
      assert.deepEqual(
        await inBatches(
          [0, 1, 2].map(() => () => hold('127.0.0.1')),
          3,
        ),
        [101, 101, 101],
      );
      assert.equal(await hold('127.0.0.1'), 429, 'a fourth from the same address');
      assert.deepEqual([await hold('127.0.0.2'), await hold('127.0.0.2')], [101, 101]);
      assert.equal(await hold('127.0.0.3'), 503, 'the relay as a whole is full');

      a.doc.getText('source').insert(0, 'members unaffected');
      await waitFor(() => b.doc.getText('source').toString() === 'members unaffected', 'the edit flows');
      const limited = await metricByLabel(fixture.url, 'enclave_admission_limited_total');
      assert.deepEqual([limited['unadmitted-per-address'], limited['unadmitted-total']], [1, 1]);

      silent.pop()!.close();
      await waitFor(async () => (await hold('127.0.0.3')) === 101, 'a closed connection frees its place');
      a.close();
      b.close();
    } finally {
      for (const socket of silent) socket.terminate();
      await fixture.close();
    }
  });
});
