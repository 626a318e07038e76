/**
 * Messages between the benchmark's processes: the orchestrator (run.ts), one server child per server
 * under test (server-process.ts) and the load generator children (loadgen-process.ts). Sent over Node's
 * IPC channel with `serialization: 'advanced'`, so typed arrays cross as they are.
 */
import type { ChildProcess } from 'node:child_process';
import type { Identity } from '@enclave/shared';

/**
 * `enclave-memory` is the same relay on its in-memory storage: what durability costs, measured.
 * `enclave-sealed` is the relay (auth + SQLite) serving a sealed space: its clients seal and open every
 * update (SealedSession), so the relay stores and forwards real envelopes.
 */
export type ServerKind =
  | 'reference'
  | 'enclave'
  | 'enclave-sealed'
  | 'enclave-memory'
  | 'enclave-window'
  | 'enclave-cluster2'
  | 'enclave-cluster3'
  | 'hocuspocus'
  | 'forwarder';

export const SERVER_KINDS: readonly ServerKind[] = [
  'reference',
  'enclave',
  'enclave-sealed',
  'enclave-memory',
  'enclave-window',
  'enclave-cluster2',
  'enclave-cluster3',
  'hocuspocus',
  'forwarder',
];
/** What `--cluster` adds: the relay as 2 and as 3 processes on one PostgreSQL and one Redis. */
export const CLUSTER_SERVERS: readonly ServerKind[] = ['enclave-cluster2', 'enclave-cluster3'];
/** The servers of a default run; the order rotates between rounds, so none always runs first or last. */
export const DEFAULT_SERVERS: readonly ServerKind[] = ['reference', 'enclave', 'enclave-sealed', 'hocuspocus'];

export const SERVER_LABELS: Record<ServerKind, string> = {
  reference: 'y-websocket-server 0.1.1',
  enclave: 'Enclave relay (auth+SQLite)',
  'enclave-sealed': 'Enclave relay (sealed space, auth+SQLite)',
  'enclave-memory': 'Enclave relay (auth, memory)',
  'enclave-window': 'Enclave relay (auth+SQLite, 1 ms commit window)',
  'enclave-cluster2': 'Enclave, 2 relays (auth+PostgreSQL+Redis)',
  'enclave-cluster3': 'Enclave, 3 relays (auth+PostgreSQL+Redis)',
  hocuspocus: 'Hocuspocus 4.7',
  forwarder: 'bare forwarder (floor)',
};

export function isEnclave(kind: ServerKind): boolean {
  return kind !== 'reference' && kind !== 'hocuspocus' && kind !== 'forwarder';
}

/** How many relay processes a kind runs (the cluster kinds share one PostgreSQL and one Redis). */
export function relayCount(kind: ServerKind): number {
  return kind === 'enclave-cluster2' ? 2 : kind === 'enclave-cluster3' ? 3 : 1;
}

export function isSealed(kind: ServerKind): boolean {
  return kind === 'enclave-sealed';
}

/** Kinds that keep documents, so that a fresh client can join one (the bare forwarder keeps nothing). */
export function keepsDocuments(kind: ServerKind): boolean {
  return kind !== 'forwarder';
}

/** The Enclave space every benchmark room lives in. */
export const BENCH_SPACE = 'bench';

// ---- server child

export type ToServer = { type: 'stats' } | { type: 'stop' };

export interface ServerStats {
  /** process.cpuUsage() of the server process, microseconds. */
  readonly userUs: number;
  readonly systemUs: number;
  /** Peak resident set size over the process lifetime (getrusage), bytes. */
  readonly maxRssBytes: number;
  readonly rssBytes: number;
  /** Event-loop delay since the previous stats request (monitorEventLoopDelay), ms. */
  readonly loopDelayP99Ms: number;
  readonly loopDelayMaxMs: number;
}

export type FromServer =
  | { type: 'ready'; url: string }
  | ({ type: 'stats' } & ServerStats)
  | { type: 'stopped' }
  | { type: 'error'; message: string };

// ---- load generator child

export interface SetupCommand {
  readonly type: 'setup';
  readonly kind: ServerKind;
  /** One per relay process: client i of a room connects to urls[i mod urls.length]. */
  readonly urls: readonly string[];
  /** Room (document) names this load generator drives. */
  readonly rooms: readonly string[];
  readonly clientsPerRoom: number;
  /** Enclave only: one editor identity per client slot in a room. */
  readonly members: readonly Identity[];
}

export interface PhaseCommand {
  readonly type: 'phase';
  readonly name: string;
  /** Edits per second per client. */
  readonly rate: number;
  readonly durationMs: number;
  /** How long to wait after the last edit for deliveries still in flight. */
  readonly drainMs: number;
  /**
   * How much longer to wait after the drain for edits still missing, so that late and lost can be told
   * apart; what arrives then counts as late, not in the latency figures.
   */
  readonly lateMs: number;
}

export interface JoinCommand {
  readonly type: 'join';
  readonly document: string;
  readonly notebookPath: string;
  readonly edits: number;
  readonly writers: number;
  /** Edits per second per writer (stays under the relay's per-connection rate limit). */
  readonly writerRate: number;
  readonly timeoutMs: number;
}

export type ToLoadgen = SetupCommand | PhaseCommand | JoinCommand | { type: 'verify' } | { type: 'close' };

/** Sealed spaces: the last phase's edits checked in the stored log, opened by a fresh member. */
export interface VerifyResult {
  readonly type: 'verify-result';
  /** Edits made in the phase by this load generator's clients. */
  readonly edits: number;
  /** Of those, how many the opened log lacks. */
  readonly missing: number;
  /** Messages that failed verification, sequence or decryption checks, and appends the relay refused. */
  readonly invalid: number;
  readonly ms: number;
}

export interface PhaseResult {
  readonly type: 'phase-result';
  /** Edits made locally and handed to the socket. */
  readonly sent: number;
  /** sent x (clients per room - 1). */
  readonly expectedDeliveries: number;
  readonly deliveries: number;
  /** Edits that did not reach every other client in the room by the end of the drain, but did by the late window's. */
  readonly lateEdits: number;
  /** Edits that had not reached every other client in the room even by the end of the late window. */
  readonly lostEdits: number;
  /** Fan-out latency samples, milliseconds (send -> each other client in the room). */
  readonly latencies: Float64Array;
  /** Wall time from the first to the last scheduled edit, ms. */
  readonly sendWindowMs: number;
  /** Load generator CPU over the phase (send window + drain), microseconds, and that wall time. */
  readonly cpuUs: number;
  readonly wallMs: number;
  /** Worst lateness of the edit scheduler behind its plan, ms (a sign of an overloaded generator). */
  readonly maxSchedulerLagMs: number;
  /** Clients whose connection closed during the phase. */
  readonly disconnects: number;
  /** Their close codes and reasons, counted. */
  readonly disconnectReasons: Readonly<Record<string, number>>;
}

export interface JoinResult {
  readonly type: 'join-result';
  readonly notebookBytes: number;
  /** The notebook as one Yjs update. */
  readonly seedUpdateBytes: number;
  readonly editsApplied: number;
  /** Connect -> handshake -> synced, for a fresh client, ms. */
  readonly joinMs: number;
  /** Whether the fresh client's state equals a writer's. */
  readonly converged: boolean;
  readonly cpuUs: number;
}

export type FromLoadgen =
  | { type: 'ready'; connectMs: number }
  | PhaseResult
  | JoinResult
  | VerifyResult
  | { type: 'closed' }
  | { type: 'error'; message: string };

/** Sends `message` to a child and waits for its reply of type `want` (or an error, an exit, a timeout). */
export function ask<R extends { type: string }>(
  child: ChildProcess,
  message: ToServer | ToLoadgen | undefined,
  want: string,
  timeoutMs: number,
): Promise<R> {
  return new Promise<R>((resolvePromise, reject) => {
    const timer = setTimeout(() => finish(new Error(`no '${want}' within ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (reply: { type: string; message?: string }): void => {
      if (reply.type === want) finish(undefined, reply as R);
      else if (reply.type === 'error') finish(new Error(reply.message));
    };
    const onExit = (code: number | null): void => finish(new Error(`child exited (${code}) before '${want}'`));
    function finish(error: Error | undefined, value?: R): void {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolvePromise(value!);
    }
    child.on('message', onMessage);
    child.on('exit', onExit);
    if (message) child.send(message);
  });
}
