/**
 * What a sealed-space member's client pays, measured with shared's own sealed code (the same `seal` and
 * `openSealed` SealedSession calls), in whatever runtime imports this: Node or a browser page. No Node
 * APIs here; time comes from `performance.now()`, crypto from the runtime's WebCrypto (Ed25519) and
 * @noble/ciphers (XChaCha20-Poly1305).
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
} from '@enclave/shared';
import type { Workload } from './workload.js';

export interface Cost {
  readonly operation: string;
  /** How many operations the figure is the mean of (or, for whole joins, how many runs it is the median of). */
  readonly count: number;
  /** Plaintext bytes per operation (mean). */
  readonly bytes: number;
  readonly ms: number;
}

const SPACE = 'bench';
const DOCUMENT = 's-benchdocument000000000';

function mean(total: number, count: number): number {
  return count > 0 ? total / count : NaN;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1]!;
}

async function timeEach(items: readonly Uint8Array[], work: (item: Uint8Array, i: number) => Promise<unknown>) {
  const start = performance.now();
  for (let i = 0; i < items.length; i++) await work(items[i]!, i);
  return performance.now() - start;
}

export async function measureSealedCosts(workload: Workload, runs = 5): Promise<Cost[]> {
  const author = await generateIdentity('bench');
  const key = newContentKey();
  const sealer: Sealer = { space: SPACE, epoch: 1, key, author, signingKey: await importSigningKey(author) };
  const keyOf = (epoch: number): Uint8Array | undefined => (epoch === 1 ? key : undefined);
  let seq = 0;
  const sealUpdate = (update: Uint8Array, kind: number = SealedKind.Update): Promise<Uint8Array> =>
    seal(sealer, { kind: kind as 1, session: 1, seq: ++seq, document: DOCUMENT }, update);
  const open = (envelope: Uint8Array) => openSealed(envelope, SPACE, keyOf);
  const sumBytes = (items: readonly Uint8Array[]): number => items.reduce((n, u) => n + u.length, 0);
  const costs: Cost[] = [];

  // Warm-up: let the runtime compile the paths before anything is timed.
  for (const edit of workload.edits.slice(0, 200)) await open(await sealUpdate(edit));

  const edits = workload.edits;
  const sealed: Uint8Array[] = new Array<Uint8Array>(edits.length);
  const sealMs = await timeEach(edits, async (edit, i) => (sealed[i] = await sealUpdate(edit)));
  costs.push({
    operation: 'seal a keystroke update',
    count: edits.length,
    bytes: sumBytes(edits) / edits.length,
    ms: mean(sealMs, edits.length),
  });
  const openMs = await timeEach(sealed, (envelope) => open(envelope));
  costs.push({
    operation: 'open a keystroke update',
    count: edits.length,
    bytes: sumBytes(edits) / edits.length,
    ms: mean(openMs, edits.length),
  });

  const sealSeed: number[] = [];
  const openSeed: number[] = [];
  let sealedSeed: Uint8Array = new Uint8Array();
  for (let run = 0; run < runs; run++) {
    let start = performance.now();
    sealedSeed = await sealUpdate(workload.seed);
    sealSeed.push(performance.now() - start);
    start = performance.now();
    await open(sealedSeed);
    openSeed.push(performance.now() - start);
  }
  costs.push({
    operation: 'seal the notebook as one update',
    count: runs,
    bytes: workload.seed.length,
    ms: median(sealSeed),
  });
  costs.push({
    operation: 'open the notebook as one update',
    count: runs,
    bytes: workload.seed.length,
    ms: median(openSeed),
  });

  // A fresh member's join. Every entry: the notebook, then each keystroke (a log never compacted).
  const log = [sealedSeed, ...sealed];
  const logBytes = workload.seed.length + sumBytes(edits);
  const openLog: number[] = [];
  const applyLog: number[] = [];
  for (let run = 0; run < runs; run++) {
    openLog.push(await timeEach(log, (envelope) => open(envelope)));
    const doc = new Y.Doc();
    applyLog.push(await timeEach(log, async (envelope) => Y.applyUpdate(doc, (await open(envelope)).plaintext)));
    doc.destroy();
  }
  const entries = `${log.length.toLocaleString('en')} entries`;
  costs.push({ operation: `join, every entry (${entries}): open`, count: runs, bytes: logBytes, ms: median(openLog) });
  costs.push({
    operation: `join, every entry (${entries}): open + apply`,
    count: runs,
    bytes: logBytes,
    ms: median(applyLog),
  });

  // A snapshot: what a writer seals at a snapshot point, and what a joiner opens instead of the log.
  const sealSnap: number[] = [];
  const openSnap: number[] = [];
  const applySnap: number[] = [];
  for (let run = 0; run < runs; run++) {
    let start = performance.now();
    const snapshot = await sealUpdate(workload.snapshot, SealedKind.Snapshot);
    sealSnap.push(performance.now() - start);
    start = performance.now();
    const { plaintext } = await open(snapshot);
    openSnap.push(performance.now() - start);
    const doc = new Y.Doc();
    start = performance.now();
    Y.applyUpdate(doc, plaintext);
    applySnap.push(performance.now() - start);
    doc.destroy();
  }
  const snapBytes = workload.snapshot.length;
  costs.push({
    operation: 'seal a snapshot (writer, at a snapshot point)',
    count: runs,
    bytes: snapBytes,
    ms: median(sealSnap),
  });
  costs.push({ operation: 'join, from a snapshot: open', count: runs, bytes: snapBytes, ms: median(openSnap) });
  costs.push({
    operation: 'join, from a snapshot: open + apply',
    count: runs,
    bytes: snapBytes,
    ms: median(openSnap.map((o, i) => o + applySnap[i]!)),
  });
  key.fill(0);
  return costs;
}
