/**
 * `npm run bench:relay`: the Enclave relay (auth on, durable SQLite) side by side with the reference
 * y-websocket server and Hocuspocus, each in its own child process on 127.0.0.1, driven by load generator
 * child processes. Prints one table with every figure and its ratio to the reference server.
 *
 * Flags: --duration S (20) --rooms N (100) --clients N (4) --rate-a N (2) --rate-b N (10)
 *        --join-edits N (5000) --no-join --servers reference,enclave,hocuspocus --loadgens N (2)
 *        --drain S (10)
 *        --profile DIR (run the Enclave relay under --cpu-prof, profiles written to DIR)
 *        --late S (30: after the drain, how much longer to wait for missing edits: late, or lost)
 *        --rounds N (3: every server runs N times, interleaved; the table gives each figure's median)
 *        --cluster (adds the relay as 2 and as 3 processes on one private PostgreSQL and one private Redis,
 *        client i of a room on relay i mod N; a second table compares them with the single SQLite relay)
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { WebSocket } from 'ws';
import {
  EnclaveConnection,
  generateIdentity,
  type Identity,
  type KeyRequester,
  shareMissingKeys,
  SpaceKeys,
  type WebSocketConstructor,
} from '@enclave/shared';
import {
  ask,
  BENCH_SPACE,
  CLUSTER_SERVERS,
  relayCount,
  isEnclave,
  isSealed,
  keepsDocuments,
  type JoinResult,
  type PhaseResult,
  DEFAULT_SERVERS,
  SERVER_KINDS,
  SERVER_LABELS,
  type ServerKind,
  type ServerStats,
  type VerifyResult,
} from './ipc.js';
import {
  countersBetween,
  type ClusterBackends,
  type EngineCounters,
  processTreeCpuUs,
  startClusterBackends,
} from './cluster-backends.js';
import { type ProcSample, ProcSampler } from './proc-sampler.js';
import {
  medianFigures,
  type PhaseFigures,
  percentile,
  renderClusterTable,
  renderTable,
  roundRatios,
  type ServerFigures,
} from './report.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../../..');
const DEFAULT_NOTEBOOK = resolve(repoRoot, '../shared/fixtures/notebooks/SVD_Interpreter_Demo.ipynb');

const { values: flags } = parseArgs({
  options: {
    duration: { type: 'string', default: '20' },
    rooms: { type: 'string', default: '100' },
    clients: { type: 'string', default: '4' },
    'rate-a': { type: 'string', default: '2' },
    'rate-b': { type: 'string', default: '10' },
    'join-edits': { type: 'string', default: '5000' },
    'join-writers': { type: 'string', default: '4' },
    'writer-rate': { type: 'string', default: '150' },
    'no-join': { type: 'boolean', default: false },
    servers: { type: 'string', default: DEFAULT_SERVERS.join(',') },
    loadgens: { type: 'string', default: '2' },
    drain: { type: 'string', default: '10' },
    late: { type: 'string', default: '30' },
    notebook: { type: 'string', default: DEFAULT_NOTEBOOK },
    profile: { type: 'string' },
    rounds: { type: 'string', default: '3' },
    cluster: { type: 'boolean', default: false },
  },
});

const config = {
  durationMs: Number(flags.duration) * 1000,
  rooms: Number(flags.rooms),
  clientsPerRoom: Number(flags.clients),
  rateA: Number(flags['rate-a']),
  rateB: Number(flags['rate-b']),
  joinEdits: Number(flags['join-edits']),
  joinWriters: Number(flags['join-writers']),
  writerRate: Number(flags['writer-rate']),
  join: !flags['no-join'],
  servers: flags.servers.split(',').map((s) => s.trim()) as ServerKind[],
  loadgens: Math.max(1, Number(flags.loadgens)),
  drainMs: Number(flags.drain) * 1000,
  lateMs: Number(flags.late) * 1000,
  notebook: flags.notebook,
  profileDir: flags.profile ? resolve(flags.profile) : undefined,
  rounds: Math.max(1, Number(flags.rounds)),
  cluster: flags.cluster,
};
if (config.cluster) for (const kind of CLUSTER_SERVERS) if (!config.servers.includes(kind)) config.servers.push(kind);
for (const kind of config.servers) if (!SERVER_KINDS.includes(kind)) throw new Error(`unknown server ${kind}`);
if (!config.servers.includes('reference')) console.warn('without the reference server there are no ratios');

// ---- child process bookkeeping: everything started here is killed on the way out

const children = new Set<ChildProcess>();
const tempDirs = new Set<string>();
const clusterBackends = new Set<ClusterBackends>();

function cleanup(): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const backends of clusterBackends) backends.kill();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
}
process.on('exit', cleanup);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    cleanup();
    process.exit(130);
  });
}

function spawn(script: string, args: string[], execArgv: string[] = []): ChildProcess {
  const child = fork(join(here, script), args, {
    serialization: 'advanced',
    execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

async function serverStats(server: ChildProcess): Promise<ServerStats> {
  return ask<ServerStats & { type: string }>(server, { type: 'stats' }, 'stats', 10_000);
}

/**
 * One server's own figures; for a cluster, CPU summed over the relays and the process trees of Redis and
 * PostgreSQL (read from /proc), RSS summed over the relays, event-loop delay the worst relay's.
 */
async function combinedStats(servers: readonly ChildProcess[], backends?: ClusterBackends): Promise<ServerStats> {
  const each = await Promise.all(servers.map(serverStats));
  if (!backends) return each[0]!;
  const cpu = processTreeCpuUs([...servers.map((s) => s.pid!), ...backends.pids]);
  return {
    userUs: cpu.userUs,
    systemUs: cpu.systemUs,
    maxRssBytes: each.reduce((n, s) => n + s.maxRssBytes, 0),
    rssBytes: each.reduce((n, s) => n + s.rssBytes, 0),
    loopDelayP99Ms: Math.max(...each.map((s) => s.loopDelayP99Ms)),
    loopDelayMaxMs: Math.max(...each.map((s) => s.loopDelayMaxMs)),
  };
}

/** A cluster's work so far, split by where it ran: CPU per process group, and what the engines counted. */
interface ClusterSample {
  readonly relaysUs: number;
  readonly redisUs: number;
  readonly postgresUs: number;
  readonly counters: EngineCounters;
}

async function clusterSample(servers: readonly ChildProcess[], backends: ClusterBackends): Promise<ClusterSample> {
  const total = (pids: number[]): number => {
    const cpu = processTreeCpuUs(pids);
    return cpu.userUs + cpu.systemUs;
  };
  return {
    relaysUs: total(servers.map((s) => s.pid!)),
    redisUs: total([backends.redisPid]),
    postgresUs: total([backends.postmasterPid]),
    counters: await backends.counters(),
  };
}

/** Per edit, between two samples; the statements and commands that ran most are logged. */
function clusterBreakdown(
  kind: ServerKind,
  phase: string,
  before: ClusterSample,
  after: ClusterSample,
  edits: number,
): Partial<PhaseFigures> {
  const perEdit = (n: number): number => (edits > 0 ? n / edits : NaN);
  const statements = countersBetween(before.counters.statements, after.counters.statements);
  const commands = countersBetween(before.counters.commands, after.counters.commands);
  const sum = (rows: [string, number][]): number => rows.reduce((n, [, c]) => n + c, 0);
  const top = (rows: [string, number][]): string =>
    rows
      .slice(0, 6)
      .map(([name, n]) => `${perEdit(n).toFixed(3)} x ${name.length > 90 ? `${name.slice(0, 90)}…` : name}`)
      .join('\n    ');
  log(`${kind} phase ${phase} per edit: PostgreSQL statements\n    ${top(statements)}`);
  log(`${kind} phase ${phase} per edit: Redis commands\n    ${top(commands)}`);
  return {
    relaysCpuMsPerEdit: perEdit((after.relaysUs - before.relaysUs) / 1000),
    redisCpuMsPerEdit: perEdit((after.redisUs - before.redisUs) / 1000),
    postgresCpuMsPerEdit: perEdit((after.postgresUs - before.postgresUs) / 1000),
    pgStatementsPerEdit: perEdit(sum(statements)),
    pgCommitsPerEdit: perEdit(after.counters.commits - before.counters.commits),
    redisCommandsPerEdit: perEdit(sum(commands)),
  };
}

/**
 * Enclave: the admin creates the space and makes every client identity an editor. A sealed space also gets
 * its first epoch (a fresh content key) from the admin's client, wrapped to every member, as a lead's
 * client does after granting.
 */
async function prepareEnclaveSpace(
  url: string,
  admin: Identity,
  members: readonly Identity[],
  sealed: boolean,
): Promise<void> {
  const connection = new EnclaveConnection({
    relayUrl: url,
    room: { space: BENCH_SPACE },
    identity: admin,
    WebSocket: WebSocket as unknown as WebSocketConstructor,
    reconnect: false,
  });
  connection.connect();
  const keys = new SpaceKeys(BENCH_SPACE, admin);
  const request: KeyRequester = (r) => connection.request(r);
  try {
    await connection.request({ op: 'space.create', ...(sealed ? { sealed: true } : {}) });
    if (sealed) await keys.rotate(request, [admin.publicKey]);
    for (const member of members) {
      await connection.request({ op: 'members.grant', publicKey: member.publicKey, role: 'editor', name: member.name });
    }
    if (sealed && (await shareMissingKeys(connection, keys)).wrapped !== members.length) {
      throw new Error('the admin could not wrap the space key for every member');
    }
  } finally {
    keys.destroy();
    connection.close();
  }
}

function cpuUs(stats: ServerStats): number {
  return stats.userUs + stats.systemUs;
}

function mergePhase(
  results: PhaseResult[],
  before: ServerStats,
  after: ServerStats,
  targetEdits: number,
  proc: ProcSample,
): PhaseFigures {
  const total = results.reduce((n, r) => n + r.latencies.length, 0);
  const all = new Float64Array(total);
  let offset = 0;
  for (const r of results) {
    all.set(r.latencies, offset);
    offset += r.latencies.length;
  }
  all.sort();
  const edits = results.reduce((n, r) => n + r.sent, 0);
  const wallMs = Math.max(...results.map((r) => r.wallMs));
  const serverCpuMs = (cpuUs(after) - cpuUs(before)) / 1000;
  const serverSystemMs = (after.systemUs - before.systemUs) / 1000;
  return {
    edits,
    targetEdits,
    deliveries: results.reduce((n, r) => n + r.deliveries, 0),
    expectedDeliveries: results.reduce((n, r) => n + r.expectedDeliveries, 0),
    lateEdits: results.reduce((n, r) => n + r.lateEdits, 0),
    lostEdits: results.reduce((n, r) => n + r.lostEdits, 0),
    p50: percentile(all, 50),
    p99: percentile(all, 99),
    max: all.length > 0 ? all[all.length - 1]! : NaN,
    serverCpuMs,
    serverCpuMsPerEdit: edits > 0 ? serverCpuMs / edits : NaN,
    serverSystemMsPerEdit: edits > 0 ? serverSystemMs / edits : NaN,
    serverCorePct: (100 * serverCpuMs) / wallMs,
    serverLoopDelayP99Ms: after.loopDelayP99Ms,
    serverLoopDelayMaxMs: after.loopDelayMaxMs,
    loadgenCorePct: Math.max(...results.map((r) => (100 * r.cpuUs) / 1000 / r.wallMs)),
    loadgenTotalCorePct: results.reduce((n, r) => n + (100 * r.cpuUs) / 1000 / r.wallMs, 0),
    maxSchedulerLagMs: Math.max(...results.map((r) => r.maxSchedulerLagMs)),
    disconnects: results.reduce((n, r) => n + r.disconnects, 0),
    serverDiskWaitPct: proc.diskWaitPct,
    serverRunningPct: proc.runningPct,
    cpuPressurePct: proc.cpuPressurePct,
    ioPressurePct: proc.ioPressurePct,
  };
}

function log(message: string): void {
  console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

async function benchServer(kind: ServerKind): Promise<ServerFigures> {
  const dataDir = mkdtempSync(join(tmpdir(), `enclave-bench-${kind}-`));
  tempDirs.add(dataDir);
  const admin = await generateIdentity('bench-admin');
  const members = await Promise.all(
    Array.from({ length: config.clientsPerRoom }, (_, i) => generateIdentity(`bench-${i}`)),
  );
  const execArgv = config.profileDir && isEnclave(kind) ? ['--cpu-prof', `--cpu-prof-dir=${config.profileDir}`] : [];
  const servers: ChildProcess[] = [];
  let backends: ClusterBackends | undefined;
  const loadgens: ChildProcess[] = [];
  const phases: Record<string, PhaseFigures> = {};
  const stats = (): Promise<ServerStats> => combinedStats(servers, backends);
  try {
    if (relayCount(kind) > 1) {
      backends = await startClusterBackends();
      clusterBackends.add(backends);
      log(`PostgreSQL and Redis for ${kind} (pids ${backends.pids.join(', ')})`);
    }
    const cluster = backends ? [backends.storageUrl, backends.redisUrl] : [];
    const urls: string[] = [];
    // One after the other: the first relay creates the shared relay key in dataDir, the others load it.
    for (let i = 0; i < relayCount(kind); i++) {
      const server = spawn('server-process.js', [kind, dataDir, admin.publicKey, ...cluster], execArgv);
      servers.push(server);
      const { url } = await ask<{ type: 'ready'; url: string }>(server, undefined, 'ready', 30_000);
      log(`${SERVER_LABELS[kind]} listening at ${url} (pid ${server.pid})`);
      urls.push(url);
    }
    const server = servers[0]!;
    if (isEnclave(kind)) await prepareEnclaveSpace(urls[0]!, admin, members, isSealed(kind));

    const rooms = Array.from({ length: config.rooms }, (_, i) => `room-${String(i).padStart(3, '0')}`);
    for (let i = 0; i < config.loadgens; i++) loadgens.push(spawn('loadgen-process.js', []));
    const ready = await Promise.all(
      loadgens.map((lg, i) =>
        ask<{ type: 'ready'; connectMs: number }>(
          lg,
          {
            type: 'setup',
            kind,
            urls,
            rooms: rooms.filter((_, r) => r % config.loadgens === i),
            clientsPerRoom: config.clientsPerRoom,
            members,
          },
          'ready',
          180_000,
        ),
      ),
    );
    log(
      `${config.rooms * config.clientsPerRoom} clients synced in ${Math.max(...ready.map((r) => r.connectMs)).toFixed(0)} ms`,
    );

    const phaseList = [
      { name: 'A', rate: config.rateA },
      { name: 'B', rate: config.rateB },
    ];
    const drainMs = config.drainMs;
    for (const phase of phaseList) {
      const before = await stats();
      const clusterBefore = backends && (await clusterSample(servers, backends));
      const sampler = new ProcSampler(server.pid!);
      const results = await Promise.all(
        loadgens.map((lg) =>
          ask<PhaseResult>(
            lg,
            {
              type: 'phase',
              name: phase.name,
              rate: phase.rate,
              durationMs: config.durationMs,
              drainMs,
              lateMs: config.lateMs,
            },
            'phase-result',
            config.durationMs + drainMs + config.lateMs + 60_000,
          ),
        ),
      );
      const proc = sampler.stop();
      const after = await stats();
      const clusterAfter = backends && (await clusterSample(servers, backends));
      const target = Math.round(config.rooms * config.clientsPerRoom * phase.rate * (config.durationMs / 1000));
      const merged = mergePhase(results, before, after, target, proc);
      let figures: PhaseFigures =
        backends && clusterBefore && clusterAfter
          ? { ...merged, ...clusterBreakdown(kind, phase.name, clusterBefore, clusterAfter, merged.edits) }
          : merged;
      if (isSealed(kind)) {
        // Outside the measured window: the stored log, opened by a fresh member, must hold every edit.
        const checks = await Promise.all(
          loadgens.map((lg) => ask<VerifyResult>(lg, { type: 'verify' }, 'verify-result', 600_000)),
        );
        const missing = checks.reduce((n, c) => n + c.missing, 0);
        const invalid = checks.reduce((n, c) => n + c.invalid, 0);
        log(
          `${kind} phase ${phase.name}: stored log opened and checked in ${Math.max(...checks.map((c) => c.ms)).toFixed(0)} ms: ` +
            `${checks.reduce((n, c) => n + c.edits, 0)} edits, ${missing} missing, ${invalid} failed a check`,
        );
        figures = { ...figures, lostEdits: Math.max(figures.lostEdits, missing + invalid) };
      }
      phases[phase.name] = figures;
      const reasons = new Map<string, number>();
      for (const r of results) {
        for (const [why, n] of Object.entries(r.disconnectReasons)) reasons.set(why, (reasons.get(why) ?? 0) + n);
      }
      if (reasons.size > 0) {
        log(`${kind} phase ${phase.name} disconnects: ${[...reasons].map(([why, n]) => `${n} x ${why}`).join('; ')}`);
      }
      log(
        `${kind} phase ${phase.name}: ${figures.edits} edits, p50 ${figures.p50.toFixed(2)} ms, p99 ${figures.p99.toFixed(2)} ms, ` +
          `late ${figures.lateEdits}, lost ${figures.lostEdits}, server ${figures.serverCpuMsPerEdit.toFixed(4)} ms/edit (${figures.serverCorePct.toFixed(0)}% core), ` +
          `loop delay max ${figures.serverLoopDelayMaxMs.toFixed(0)} ms, load gen ${figures.loadgenCorePct.toFixed(0)}% core, ` +
          `server disk wait ${proc.diskWaitPct.toFixed(1)}%, CPU pressure ${proc.cpuPressurePct.toFixed(0)}%, ` +
          `IO pressure ${proc.ioPressurePct.toFixed(1)}%, load average ${loadavg()[0]!.toFixed(2)}`,
      );
    }
    const peakLoad = (await stats()).maxRssBytes;
    let join: JoinResult | undefined;
    if (config.join && keepsDocuments(kind)) {
      join = await ask<JoinResult>(
        loadgens[0]!,
        {
          type: 'join',
          document: 'join-notebook',
          notebookPath: config.notebook,
          edits: config.joinEdits,
          writers: config.joinWriters,
          writerRate: config.writerRate,
          timeoutMs: 120_000,
        },
        'join-result',
        300_000,
      );
      log(
        `${kind} join: ${join.joinMs.toFixed(1)} ms after ${join.editsApplied} edits on a ${(join.notebookBytes / 2 ** 20).toFixed(1)} MB notebook ` +
          `(seed update ${(join.seedUpdateBytes / 2 ** 20).toFixed(2)} MB), converged: ${join.converged}`,
      );
    }
    const peak = (await stats()).maxRssBytes;
    return {
      kind,
      phases,
      peakRssLoadBytes: peakLoad,
      peakRssBytes: peak,
      joinMs: join?.joinMs,
      joinConverged: join?.converged,
    };
  } catch (error) {
    log(`${kind} FAILED: ${String((error as Error).stack ?? error)}`);
    return {
      kind,
      phases,
      peakRssLoadBytes: NaN,
      peakRssBytes: NaN,
      joinMs: undefined,
      joinConverged: undefined,
      error: String(error),
    };
  } finally {
    await Promise.all(
      loadgens.map((lg) => ask(lg, { type: 'close' }, 'closed', 30_000).catch(() => lg.kill('SIGKILL'))),
    );
    await Promise.all(servers.map(stopServer));
    if (backends) {
      clusterBackends.delete(backends);
      await backends.close().catch((error: unknown) => log(`closing PostgreSQL and Redis: ${String(error)}`));
    }
    rmSync(dataDir, { recursive: true, force: true });
    tempDirs.delete(dataDir);
  }
}

async function stopServer(server: ChildProcess): Promise<void> {
  await ask(server, { type: 'stop' }, 'stopped', 30_000).catch(() => server.kill('SIGKILL'));
  await new Promise<void>((done) => {
    if (server.exitCode !== null || server.signalCode !== null) return done();
    const timer = setTimeout(() => {
      server.kill('SIGKILL');
      done();
    }, 10_000);
    server.once('exit', () => {
      clearTimeout(timer);
      done();
    });
  });
}

async function main(): Promise<void> {
  log(
    `rooms ${config.rooms} x clients ${config.clientsPerRoom}; phase A ${config.rateA}/s, phase B ${config.rateB}/s, ` +
      `${config.durationMs / 1000} s each; join after ${config.joinEdits} edits; load generators ${config.loadgens}; ` +
      `node ${process.version}`,
  );
  // Servers take turns within each round, so that a slow minute on a shared machine hits all of them, and
  // the order rotates between rounds, so that no server always runs first (on a fresh machine) or last.
  const rounds: ServerFigures[][] = [];
  for (let round = 1; round <= config.rounds; round++) {
    const order = config.servers.map((_, i) => (i + round - 1) % config.servers.length);
    if (config.rounds > 1) log(`round ${round} of ${config.rounds}: ${order.map((i) => config.servers[i]).join(', ')}`);
    const results: ServerFigures[] = new Array<ServerFigures>(config.servers.length);
    for (const i of order) results[i] = await benchServer(config.servers[i]!);
    rounds.push(results);
  }
  const results = config.servers.map((_, i) => medianFigures(rounds.map((r) => r[i]!)));
  console.log('');
  console.log(
    `Relay benchmark: ${config.rooms} rooms x ${config.clientsPerRoom} clients, A = ${config.rateA} edits/s/client, ` +
      `B = ${config.rateB} edits/s/client, ${config.durationMs / 1000} s each; ratios are server / reference (<= 1.00 is as good or better)` +
      (config.rounds > 1 ? `; each figure is the median of ${config.rounds} rounds` : ''),
  );
  console.log(renderTable(results, ['A', 'B']));
  if (config.rounds > 1) console.log(roundRatios(rounds, ['A', 'B']));
  if (config.cluster) console.log(renderClusterTable(results, ['A', 'B']));
  if (rounds.flat().some((r) => r.error)) process.exitCode = 1;
}

const watchdogMinutes = 15 * config.rounds;
const watchdog = setTimeout(() => {
  console.error(`benchmark watchdog: ${watchdogMinutes} minutes passed, giving up`);
  process.exit(1);
}, watchdogMinutes * 60_000);
watchdog.unref();

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => cleanup());
