/**
 * What a sealed-space member's client pays, measured with shared's own sealed code (the same `seal` and
 * `openSealed` SealedSession calls), in whatever runtime imports this: Node or a browser page. No Node
 * APIs here; wall time comes from `performance.now()`, CPU time (Node only: WebCrypto runs on libuv's
 * threads, so the wall time of one awaited operation includes handing it over) from a clock passed in.
 *
 * Per operation: seal (encrypt + sign) and open (verify + decrypt) of a keystroke update and of the whole
 * notebook as one update; and a fresh member's join, both ways a log reaches it: every entry (the notebook
 * and each keystroke) or one snapshot. Join figures are given for the crypto alone and with Yjs applying
 * what was opened, which is what the member waits for.
 */
import * as Y from 'yjs';
import {
  generateIdentity,
  importSigningKey,
  newContentKey,
  openSealed,
  seal,
  SealedKind,
  type Sealer,
  SignatureVerifier,
} from '@enclave/shared';
import type { Workload } from './workload.js';

export interface Cost {
  readonly operation: string;
  /** How many operations the figure is the mean of (or, for whole joins, how many runs it is the median of). */
  readonly count: number;
  /** Plaintext bytes per operation (mean). */
  readonly bytes: number;
  /** Wall time per operation, ms. */
  readonly ms: number;
  /** CPU time per operation (all of the process's threads), ms, where the runtime can tell. */
  readonly cpuMs?: number;
}

export interface MeasureOptions {
  /** Whole-notebook and join figures are the median of this many runs. */
  readonly runs: number;
  /** The process's CPU time so far, ms (Node: process.cpuUsage). */
  readonly cpuClock?: () => number;
}

const SPACE = 'bench';
const DOCUMENT = 's-benchdocument000000000';

interface Timing {
  readonly ms: number;
  readonly cpuMs: number;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1]!;
}

export async function measureSealedCosts(workload: Workload, options: MeasureOptions): Promise<Cost[]> {
  const { runs, cpuClock } = options;
  const time = async (work: () => Promise<unknown>): Promise<Timing> => {
    const cpu = cpuClock?.() ?? NaN;
    const start = performance.now();
    await work();
    return { ms: performance.now() - start, cpuMs: (cpuClock?.() ?? NaN) - cpu };
  };
  const costs: Cost[] = [];
  /** A figure from one timing of `count` operations. */
  const perOp = (operation: string, bytes: number, count: number, t: Timing): void =>
    void costs.push({ operation, count, bytes, ms: t.ms / count, ...(cpuClock ? { cpuMs: t.cpuMs / count } : {}) });
  /** A figure from several timings of one operation: the median of each clock. */
  const medianOf = (operation: string, bytes: number, timings: readonly Timing[]): void =>
    void costs.push({
      operation,
      count: timings.length,
      bytes,
      ms: median(timings.map((t) => t.ms)),
      ...(cpuClock ? { cpuMs: median(timings.map((t) => t.cpuMs)) } : {}),
    });

  const author = await generateIdentity('bench');
  const key = newContentKey();
  const sealer: Sealer = { space: SPACE, epoch: 1, key, author, signingKey: await importSigningKey(author) };
  const keyOf = (epoch: number): Uint8Array | undefined => (epoch === 1 ? key : undefined);
  let seq = 0;
  const sealUpdate = (update: Uint8Array, kind: number = SealedKind.Update): Promise<Uint8Array> =>
    seal(sealer, { kind: kind as 1, session: 1, seq: ++seq, document: DOCUMENT }, update);
  // As SealedSession does: one verifier for the session, importing each author's key once.
  const verifier = new SignatureVerifier();
  const open = (envelope: Uint8Array) => openSealed(envelope, SPACE, keyOf, verifier);
  const sumBytes = (items: readonly Uint8Array[]): number => items.reduce((n, u) => n + u.length, 0);

  // Warm-up: let the runtime compile the paths before anything is timed.
  for (const edit of workload.edits.slice(0, 200)) await open(await sealUpdate(edit));

  const edits = workload.edits;
  const editBytes = sumBytes(edits) / edits.length;
  const sealed: Uint8Array[] = [];
  perOp(
    'seal a keystroke update',
    editBytes,
    edits.length,
    await time(async () => {
      for (const edit of edits) sealed.push(await sealUpdate(edit));
    }),
  );
  perOp(
    'open a keystroke update',
    editBytes,
    edits.length,
    await time(async () => {
      for (const envelope of sealed) await open(envelope);
    }),
  );

  const sealSeed: Timing[] = [];
  const openSeed: Timing[] = [];
  let sealedSeed: Uint8Array = new Uint8Array();
  for (let run = 0; run < runs; run++) {
    sealSeed.push(await time(async () => (sealedSeed = await sealUpdate(workload.seed))));
    openSeed.push(await time(() => open(sealedSeed)));
  }
  medianOf('seal the notebook as one update', workload.seed.length, sealSeed);
  medianOf('open the notebook as one update', workload.seed.length, openSeed);

  // A fresh member's join. Every entry: the notebook, then each keystroke (a log never compacted).
  const log = [sealedSeed, ...sealed];
  const logBytes = workload.seed.length + sumBytes(edits);
  const openLog: Timing[] = [];
  const applyLog: Timing[] = [];
  for (let run = 0; run < runs; run++) {
    openLog.push(
      await time(async () => {
        for (const envelope of log) await open(envelope);
      }),
    );
    const doc = new Y.Doc();
    applyLog.push(
      await time(async () => {
        for (const envelope of log) Y.applyUpdate(doc, (await open(envelope)).plaintext);
      }),
    );
    doc.destroy();
  }
  const entries = `${log.length.toLocaleString('en')} entries`;
  medianOf(`join, every entry (${entries}): open`, logBytes, openLog);
  medianOf(`join, every entry (${entries}): open + apply`, logBytes, applyLog);

  // A snapshot: what a writer seals at a snapshot point, and what a joiner opens instead of the log.
  const sealSnap: Timing[] = [];
  const openSnap: Timing[] = [];
  const joinSnap: Timing[] = [];
  for (let run = 0; run < runs; run++) {
    let snapshot: Uint8Array = new Uint8Array();
    sealSnap.push(await time(async () => (snapshot = await sealUpdate(workload.snapshot, SealedKind.Snapshot))));
    openSnap.push(await time(() => open(snapshot)));
    const doc = new Y.Doc();
    joinSnap.push(await time(async () => Y.applyUpdate(doc, (await open(snapshot)).plaintext)));
    doc.destroy();
  }
  const snapBytes = workload.snapshot.length;
  medianOf('seal a snapshot (writer, at a snapshot point)', snapBytes, sealSnap);
  medianOf('join, from a snapshot: open', snapBytes, openSnap);
  medianOf('join, from a snapshot: open + apply', snapBytes, joinSnap);
  key.fill(0);
  return costs;
}
