/**
 * Load generator child: drives its share of the rooms (clients per room, timed edits), measures fan-out
 * latency and lost edits on the receiving side, and reports its own CPU so that the report shows whether
 * the generator, rather than the server, was the limit. Commands arrive over IPC (see ipc.ts).
 */
import { readFileSync } from 'node:fs';
import * as Y from 'yjs';
import { notebookFromContent, parseIpynb } from '@enclave/shared';
import { type BenchClient, createClient, createLoadClient, LOCAL } from './clients.js';
import type {
  FromLoadgen,
  JoinCommand,
  JoinResult,
  PhaseCommand,
  PhaseResult,
  SetupCommand,
  ToLoadgen,
  VerifyResult,
} from './ipc.js';

const CONNECT_CONCURRENCY = 25;
const SYNC_TIMEOUT_MS = 30_000;
const TICK_MS = 2;

interface Slot {
  readonly client: BenchClient;
  readonly room: Room;
  readonly index: number;
  readonly text: Y.Text;
  next: number;
  seq: number;
  /** When each of this phase's edits was made (performance.now()), by phase seq. */
  sentAt: Float64Array;
  /** Sealed load clients: updates made before this phase (the phase's edit n is message seq base + n + 1). */
  seqBase: number;
}

interface Room {
  readonly name: string;
  readonly slots: Slot[];
  /** deliveries[sender][seq] = how many other clients received that edit (this phase). */
  deliveries: Uint8Array[];
  /** Sealed load clients by the session their headers carry. */
  readonly bySession: Map<number, Slot>;
}

let setup: SetupCommand | undefined;
let rooms: Room[] = [];
let phaseTag = -1;
let phaseCounter = 0;
/** The tag of the last phase run, which `verify` checks. */
let lastPhaseTag = -1;
let latencies = new Float64Array(1024);
let latencyCount = 0;
let deliveryCount = 0;
let disconnects = 0;
/** Why clients were closed this phase: close code and reason, counted. */
let disconnectReasons: Record<string, number> = {};
/** Off after the drain: what arrives later counts as late, not as a latency sample. */
let measuringLatency = true;

function reply(message: FromLoadgen): void {
  process.send?.(message);
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
    }),
  ]);
}

async function inBatches<T>(items: readonly T[], size: number, task: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(task));
}

function recordLatency(ms: number): void {
  if (latencyCount === latencies.length) {
    const grown = new Float64Array(latencies.length * 2);
    grown.set(latencies);
    latencies = grown;
  }
  latencies[latencyCount++] = ms;
}

/** Edits are strings `phase:sender:seq:sentAt;` appended to the room's Y.Text. */
function onRemoteUpdate(room: Room, update: Uint8Array): void {
  const now = performance.now();
  for (const struct of Y.decodeUpdate(update).structs) {
    if (!(struct instanceof Y.Item) || !(struct.content instanceof Y.ContentString)) continue;
    for (const edit of struct.content.str.split(';')) {
      if (edit === '') continue;
      const [phase, sender, seq, sentAt] = edit.split(':').map(Number) as [number, number, number, number];
      if (phase !== phaseTag) continue;
      const counts = room.deliveries[sender];
      if (!counts || seq >= counts.length) continue;
      counts[seq]!++;
      deliveryCount++;
      if (measuringLatency) recordLatency(now - sentAt);
    }
  }
}

/**
 * A sealed load client saw an entry of someone else's arrive (not opened: its header says who and which).
 * Latency is from the moment the sender made the edit to its arrival at this client's socket.
 */
function onSealedArrival(room: Room, session: number, messageSeq: number): void {
  const now = performance.now();
  const slot = room.bySession.get(session);
  if (!slot || phaseTag < 0) return;
  const seq = messageSeq - slot.seqBase - 1;
  const counts = room.deliveries[slot.index];
  if (!counts || seq < 0 || seq >= slot.seq) return;
  counts[seq]!++;
  deliveryCount++;
  recordLatency(now - slot.sentAt[seq]!);
}

async function connectAll(command: SetupCommand): Promise<number> {
  const started = performance.now();
  setup = command;
  rooms = command.rooms.map((name) => ({ name, slots: [], deliveries: [], bySession: new Map() }));
  const connect = async (room: Room, index: number): Promise<void> => {
    const client = createLoadClient({
      kind: command.kind,
      url: command.urls[index % command.urls.length]!,
      document: room.name,
      identity: command.members[index],
      create: 'draft',
    });
    await withTimeout(client.whenSynced(), SYNC_TIMEOUT_MS, `client ${index} of ${room.name} syncing`);
    const text = client.doc.getText('source');
    const slot: Slot = { client, room, index, text, next: 0, seq: 0, sentAt: new Float64Array(0), seqBase: 0 };
    if (client.onArrival) {
      room.bySession.set(client.headerSession!, slot);
      client.onArrival((session, seq) => onSealedArrival(room, session, seq));
    }
    client.doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin !== LOCAL) onRemoteUpdate(room, update);
    });
    client.onDisconnect((why) => {
      disconnects++;
      disconnectReasons[why] = (disconnectReasons[why] ?? 0) + 1;
    });
    room.slots[index] = slot;
  };
  // The first client of each room creates the document (Enclave); the others join it.
  await inBatches(rooms, CONNECT_CONCURRENCY, (room) => connect(room, 0));
  const rest = rooms.flatMap((room) =>
    Array.from({ length: command.clientsPerRoom - 1 }, (_, i) => ({ room, index: i + 1 })),
  );
  await inBatches(rest, CONNECT_CONCURRENCY, ({ room, index }) => connect(room, index));
  return performance.now() - started;
}

async function runPhase(command: PhaseCommand): Promise<PhaseResult> {
  if (!setup) throw new Error('setup first');
  const clientsPerRoom = setup.clientsPerRoom;
  const period = 1000 / command.rate;
  const perSender = Math.ceil((command.durationMs / 1000) * command.rate) + 2;
  phaseTag = ++phaseCounter;
  latencyCount = 0;
  measuringLatency = true;
  deliveryCount = 0;
  disconnects = 0;
  disconnectReasons = {};
  const slots = rooms.flatMap((room) => room.slots);
  for (const room of rooms) room.deliveries = room.slots.map(() => new Uint8Array(perSender));
  const cpuStart = process.cpuUsage();
  const start = performance.now() + 50;
  const end = start + command.durationMs;
  for (const slot of slots) {
    slot.seq = 0;
    slot.sentAt = new Float64Array(perSender);
    slot.seqBase = slot.client.updatesMade ?? 0;
    slot.next = start + Math.random() * period; // spread the clients over the period
  }
  let sent = 0;
  let maxLag = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const now = performance.now();
      let pending = false;
      for (const slot of slots) {
        while (slot.next <= now && slot.next < end && slot.seq < perSender) {
          maxLag = Math.max(maxLag, now - slot.next);
          const sentAt = performance.now();
          slot.sentAt[slot.seq] = sentAt;
          slot.client.doc.transact(() => {
            slot.text.insert(slot.text.length, `${phaseTag}:${slot.index}:${slot.seq}:${sentAt.toFixed(3)};`);
          }, LOCAL);
          slot.seq++;
          sent++;
          slot.next += period;
        }
        if (slot.next < end) pending = true;
      }
      if (!pending) {
        clearInterval(timer);
        resolve();
      }
    }, TICK_MS);
  });
  const sendWindowMs = performance.now() - start;
  const expectedDeliveries = sent * (clientsPerRoom - 1);
  const drainUntil = performance.now() + command.drainMs;
  while (deliveryCount < expectedDeliveries && performance.now() < drainUntil) {
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  const cpu = process.cpuUsage(cpuStart);
  const wallMs = performance.now() - start;
  const undelivered = (): number => {
    let missing = 0;
    for (const room of rooms) {
      room.slots.forEach((slot, sender) => {
        const counts = room.deliveries[sender]!;
        for (let seq = 0; seq < slot.seq; seq++) if (counts[seq]! < clientsPerRoom - 1) missing++;
      });
    }
    return missing;
  };
  const missingAtDrain = undelivered();
  // Late or lost? Keep counting (without latency samples) for a while longer.
  measuringLatency = false;
  const lateUntil = performance.now() + command.lateMs;
  while (deliveryCount < expectedDeliveries && performance.now() < lateUntil) {
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  lastPhaseTag = phaseTag;
  const lostEdits = missingAtDrain > 0 ? undelivered() : 0;
  phaseTag = -1; // late arrivals after this point are not counted
  const tampered = slots.flatMap((slot) => slot.client.tampered ?? []);
  if (tampered.length > 0)
    console.error(`phase ${command.name}: ${tampered.length} sealed messages failed checks: ${tampered[0]}`);
  return {
    type: 'phase-result',
    sent,
    expectedDeliveries,
    deliveries: deliveryCount,
    lateEdits: missingAtDrain - lostEdits,
    lostEdits,
    latencies: latencies.slice(0, latencyCount),
    sendWindowMs,
    cpuUs: cpu.user + cpu.system,
    wallMs,
    maxSchedulerLagMs: maxLag,
    disconnects,
    disconnectReasons,
  };
}

/**
 * Sealed spaces: after the phase (outside its measurement), each room's stored log is opened by a fresh
 * member with the real client library (SealedSession: every entry verified, sequence-checked, decrypted and
 * applied). Every edit of the last phase must be in the document, and nothing may fail a check.
 */
async function verifyStored(): Promise<VerifyResult> {
  if (!setup) throw new Error('setup first');
  const started = performance.now();
  const kind = setup.kind;
  const member = setup.members[0];
  let edits = 0;
  let missing = 0;
  let invalid = 0;
  await inBatches(rooms, 4, async (room) => {
    const reader = createClient({ kind, url: setup!.urls[0]!, document: room.name, identity: member });
    try {
      await withTimeout(reader.whenSynced(), 120_000, `verifying ${room.name}`);
      const seen = room.slots.map(() => new Set<number>());
      for (const edit of reader.doc.getText('source').toString().split(';')) {
        const [phase, sender, seq] = edit.split(':').map(Number) as [number, number, number];
        if (phase === lastPhaseTag) seen[sender]?.add(seq);
      }
      room.slots.forEach((slot, sender) => {
        edits += slot.seq;
        for (let seq = 0; seq < slot.seq; seq++) if (!seen[sender]!.has(seq)) missing++;
      });
      invalid += reader.tampered?.length ?? 0;
    } finally {
      reader.close();
    }
  });
  const failures = rooms.flatMap((room) => room.slots.flatMap((slot) => slot.client.tampered ?? []));
  return { type: 'verify-result', edits, missing, invalid: invalid + failures.length, ms: performance.now() - started };
}

function stateVectorsEqual(a: Y.Doc, b: Y.Doc): boolean {
  return Buffer.from(Y.encodeStateVector(a)).equals(Buffer.from(Y.encodeStateVector(b)));
}

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * A notebook document: the fixture loaded through YNotebook, then `edits` small inserts into cell
 * sources by `writers` clients; then a fresh client joins and its time to synced is measured.
 */
async function runJoin(command: JoinCommand): Promise<JoinResult> {
  if (!setup) throw new Error('setup first');
  const cpuStart = process.cpuUsage();
  const text = readFileSync(command.notebookPath, 'utf8');
  const notebook = notebookFromContent(parseIpynb(text));
  const seed = Y.encodeStateAsUpdate(notebook.ydoc);
  notebook.dispose();
  const open = async (index: number, create: boolean): Promise<BenchClient> => {
    const client = createClient({
      kind: setup!.kind,
      url: setup!.urls[index % setup!.urls.length]!,
      document: command.document,
      identity: setup!.members[index % setup!.members.length],
      ...(create ? { create: 'notebook' as const } : {}),
    });
    await withTimeout(client.whenSynced(), command.timeoutMs, `join-phase client ${index} syncing`);
    return client;
  };
  const writers: BenchClient[] = [await open(0, true)];
  for (let i = 1; i < command.writers; i++) writers.push(await open(i, false));
  Y.applyUpdate(writers[0]!.doc, seed, LOCAL);
  await until(
    () => writers.every((w) => stateVectorsEqual(w.doc, writers[0]!.doc)),
    command.timeoutMs,
    'writers receiving the notebook',
  );

  // Edits: one character inserted near the start of a cell's source, cycling through the cells.
  const cellsOf = (doc: Y.Doc): Y.Array<Y.Map<unknown>> => doc.getArray('cells');
  let made = 0;
  const period = 1000 / command.writerRate;
  const start = performance.now();
  await withTimeout(
    new Promise<void>((resolve) => {
      const next = writers.map((_, i) => start + (i * period) / writers.length);
      const timer = setInterval(() => {
        const now = performance.now();
        writers.forEach((writer, w) => {
          while (next[w]! <= now && made < command.edits) {
            const cells = cellsOf(writer.doc);
            const cell = cells.get(made % cells.length);
            const source = cell.get('source') as Y.Text;
            writer.doc.transact(() => source.insert(Math.min(source.length, made % 7), 'x'), LOCAL);
            made++;
            next[w]! += period;
          }
        });
        if (made >= command.edits) {
          clearInterval(timer);
          resolve();
        }
      }, 5);
    }),
    command.timeoutMs,
    'notebook edits',
  );
  await until(
    () => writers.every((w) => stateVectorsEqual(w.doc, writers[0]!.doc)),
    command.timeoutMs,
    'writers converging',
  );

  const joinStart = performance.now();
  const fresh = await open(command.writers, false);
  const joinMs = performance.now() - joinStart;
  const converged = stateVectorsEqual(fresh.doc, writers[0]!.doc);
  fresh.close();
  writers.forEach((w) => w.close());
  const cpu = process.cpuUsage(cpuStart);
  return {
    type: 'join-result',
    notebookBytes: Buffer.byteLength(text),
    seedUpdateBytes: seed.length,
    editsApplied: made,
    joinMs,
    converged,
    cpuUs: cpu.user + cpu.system,
  };
}

async function handle(message: ToLoadgen): Promise<void> {
  try {
    switch (message.type) {
      case 'setup':
        reply({ type: 'ready', connectMs: await connectAll(message) });
        return;
      case 'phase':
        reply(await runPhase(message));
        return;
      case 'join':
        reply(await runJoin(message));
        return;
      case 'verify':
        reply(await verifyStored());
        return;
      case 'close':
        for (const room of rooms) room.slots.forEach((slot) => slot.client.close());
        rooms = [];
        reply({ type: 'closed' });
        setTimeout(() => process.exit(0), 200);
        return;
    }
  } catch (error) {
    reply({ type: 'error', message: String((error as Error)?.stack ?? error) });
  }
}

process.on('message', (message: ToLoadgen) => void handle(message));
process.on('disconnect', () => process.exit(0));
