/**
 * `npm run stress`: the relay under hostile handshakes, fuzzed frames, SIGKILLs, idle connections and a
 * soak; prints figures and PASS/FAIL per invariant, exits 1 on any failure. See README.md beside this file.
 *
 * Flags: --quick (<= 60 s, the CI configuration) --only hostile,fuzz,kill,idle,soak --soak-minutes N
 *        --hostile N --fuzz-frames N --fuzz-seconds N (cap on sending) --kills N --idle N --seed N
 */
import { parseArgs } from 'node:util';
import { liveRelays } from './relay-child.js';
import { Report } from './report.js';
import { fuzzFrames } from './scenarios/fuzz.js';
import { idleConnections } from './scenarios/idle-connections.js';
import { killRestart } from './scenarios/kill-restart.js';
import { soak } from './scenarios/soak.js';
import { hostileHandshakes } from './scenarios/hostile-handshakes.js';

const SCENARIOS = ['hostile', 'fuzz', 'kill', 'idle', 'soak'] as const;
type Scenario = (typeof SCENARIOS)[number];

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    'soak-minutes': { type: 'string' },
    hostile: { type: 'string' },
    'fuzz-frames': { type: 'string' },
    kills: { type: 'string' },
    'fuzz-seconds': { type: 'string' },
    idle: { type: 'string' },
    seed: { type: 'string', default: String(Date.now() % 1_000_000) },
  },
});

const quick = flags.quick;
const number = (value: string | undefined, full: number, short: number): number =>
  value === undefined ? (quick ? short : full) : Number(value);
const config = {
  seed: Number(flags.seed),
  hostile: number(flags.hostile, 10_000, 600),
  fuzzFrames: number(flags['fuzz-frames'], 1_000_000, 10_000),
  kills: number(flags.kills, 5, 2),
  idle: number(flags.idle, 10_000, 500),
  soakMinutes: number(flags['soak-minutes'], 30, 0.25),
  fuzzSeconds: number(flags['fuzz-seconds'], 3600, 20),
};
const only = new Set<Scenario>(flags.only ? (flags.only.split(',') as Scenario[]) : SCENARIOS);

const report = new Report();

/** Runs one scenario; one that throws or overruns its time fails as a whole rather than hanging the run. */
async function phase(name: Scenario, limitMs: number, body: () => Promise<void>): Promise<void> {
  if (!only.has(name)) return;
  const started = performance.now();
  console.log(`[stress] ${name}: starting`);
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      body(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${Math.round(limitMs / 1000)} s`)), limitMs);
      }),
    ]);
    report.invariant(`${name} scenario ran to completion`, true);
  } catch (error) {
    console.error(error);
    report.invariant(`${name} scenario ran to completion`, false, String((error as Error).message ?? error));
    for (const relay of liveRelays) await relay.kill();
  } finally {
    clearTimeout(timer);
    report.figure('time', name, `${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
}

/**
 * Yjs logs (and rethrows) "Caught error while handling a Yjs update" when a client applies an update it
 * cannot integrate; fuzzing makes thousands. They are counted (a figure) rather than printed.
 */
let yjsClientErrors = 0;
const consoleError = console.error.bind(console);
console.error = (...args: unknown[]): void => {
  if (typeof args[0] === 'string' && args[0].startsWith('Caught error while handling a Yjs update')) {
    yjsClientErrors++;
    return;
  }
  consoleError(...args);
};

async function main(): Promise<void> {
  console.log(`[stress] ${quick ? 'quick' : 'full'} run, seed ${config.seed}: ${JSON.stringify(config)}`);
  await phase('hostile', quick ? 15_000 : 15 * 60_000, () =>
    hostileHandshakes(report, {
      total: config.hostile,
      concurrency: quick ? 50 : 200,
      handshakeTimeoutMs: quick ? 1_000 : 10_000,
      seed: config.seed,
    }),
  );
  await phase('fuzz', (config.fuzzSeconds + 15) * 1000 + (quick ? 0 : 5 * 60_000), () =>
    fuzzFrames(report, {
      frames: config.fuzzFrames,
      connectionsPerRole: 2,
      typingRate: 20,
      sendMs: config.fuzzSeconds * 1000,
      settleMs: quick ? 3_000 : 15_000,
      seed: config.seed,
    }),
  );
  await phase('kill', quick ? 15_000 : 10 * 60_000, () =>
    killRestart(report, { kills: config.kills, minMs: 200, maxMs: quick ? 800 : 3_000, seed: config.seed }),
  );
  await phase('idle', quick ? 15_000 : 15 * 60_000, () =>
    idleConnections(report, { connections: config.idle, concurrency: 50, idleMs: quick ? 1_000 : 10_000 }),
  );
  await phase('soak', (config.soakMinutes + 5) * 60_000, () =>
    soak(report, {
      minutes: config.soakMinutes,
      rooms: quick ? 20 : 100,
      clientsPerRoom: 4,
      editsPerSecond: 2,
      sampleMs: quick ? 1_000 : 5_000,
      loadgens: quick ? 1 : 2,
    }),
  );
  report.figure('clients', 'Yjs errors in legitimate clients', yjsClientErrors);
  report.print();
}

process.on('exit', () => {
  for (const relay of liveRelays) void relay.kill();
});
main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => {
    if (report.failed > 0) process.exitCode = 1;
    setTimeout(() => process.exit(), 100).unref();
  });
