/**
 * What the cluster kinds run on: one private PostgreSQL (relay-server's testing helper) and one private
 * redis-server, on loopback, and the CPU time of their processes read from /proc, so that CPU per edit
 * can be summed over the relays, Redis and PostgreSQL (whose backends are children of the postmaster).
 * Where the time goes: the work each engine did, counted by the engines themselves (PostgreSQL's
 * pg_stat_statements and commit count, Redis's INFO commandstats), read with their own command-line clients.
 */
import { execFile, execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { startPrivatePostgres } from '@enclave/relay/testing/private-postgres';
import { RedisServer } from '@enclave/relay/testing/private-redis';

const run = promisify(execFile);

/** What the engines did so far: calls per PostgreSQL statement and per Redis command, commits. */
export interface EngineCounters {
  readonly statements: ReadonlyMap<string, number>;
  readonly commits: number;
  readonly commands: ReadonlyMap<string, number>;
}

export interface ClusterBackends {
  readonly storageUrl: string;
  readonly redisUrl: string;
  /** Process trees whose CPU counts with the relays': redis-server and the postmaster. */
  readonly pids: readonly number[];
  readonly redisPid: number;
  readonly postmasterPid: number;
  counters(): Promise<EngineCounters>;
  close(): Promise<void>;
  /** At once, for a benchmark that is exiting: SIGKILL to Redis, immediate shutdown (SIGQUIT) to PostgreSQL. */
  kill(): void;
}

export async function startClusterBackends(): Promise<ClusterBackends> {
  const postgres = await startPrivatePostgres({ shared_preload_libraries: 'pg_stat_statements' });
  let redis: RedisServer | undefined;
  try {
    const storageUrl = await postgres.createDatabase();
    redis = await RedisServer.start();
    const postmaster = findPostmaster(postgres.port);
    const psqlPath = join(dirname(readlinkSync(`/proc/${postmaster}/exe`)), 'psql');
    const psql = async (sql: string): Promise<string> =>
      (await run(psqlPath, ['-d', storageUrl, '-At', '-F', '\t', '-c', sql])).stdout;
    await psql('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    const started = redis;
    return {
      storageUrl,
      redisUrl: started.url,
      pids: [started.pid!, postmaster],
      redisPid: started.pid!,
      postmasterPid: postmaster,
      async counters() {
        const [statements, commits, commandstats] = await Promise.all([
          psql(
            `SELECT calls, regexp_replace(query, '\\s+', ' ', 'g') FROM pg_stat_statements
             WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())`,
          ),
          psql('SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()'),
          run('redis-cli', ['-p', String(started.port), 'INFO', 'commandstats']),
        ]);
        const byStatement = new Map<string, number>();
        for (const line of statements.split('\n')) {
          const tab = line.indexOf('\t');
          if (tab > 0) byStatement.set(line.slice(tab + 1), Number(line.slice(0, tab)));
        }
        const byCommand = new Map<string, number>();
        for (const match of commandstats.stdout.matchAll(/^cmdstat_(\S+?):calls=(\d+)/gm)) {
          byCommand.set(match[1]!, Number(match[2]));
        }
        return { statements: byStatement, commits: Number(commits.trim()), commands: byCommand };
      },
      async close() {
        await started.close();
        await postgres.close();
      },
      kill() {
        started.kill();
        try {
          process.kill(postmaster, 'SIGQUIT');
        } catch {
          // already gone
        }
      },
    };
  } catch (error) {
    await redis?.close();
    await postgres.close();
    throw error;
  }
}

const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

interface ProcStat {
  readonly ppid: number;
  /** utime + stime + cutime + cstime: a child that exited is counted in its parent, never twice. */
  readonly cpuTicks: number;
  readonly systemTicks: number;
}

function readStat(pid: number): ProcStat | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is field 3, ppid 4, utime 14 … cstime 17.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const [utime, stime, cutime, cstime] = [11, 12, 13, 14].map((i) => Number(fields[i]));
    return { ppid: Number(fields[1]), cpuTicks: utime! + stime! + cutime! + cstime!, systemTicks: stime! + cstime! };
  } catch {
    return undefined; // it exited meanwhile
  }
}

/** CPU time (user and system, µs) of the given processes and all their descendants. */
export function processTreeCpuUs(roots: readonly number[]): { userUs: number; systemUs: number } {
  const stats = new Map<number, ProcStat>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat) stats.set(Number(entry), stat);
  }
  const children = new Map<number, number[]>();
  for (const [pid, stat] of stats) children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), pid]);
  let cpu = 0;
  let system = 0;
  const pending = [...roots];
  const seen = new Set<number>();
  while (pending.length > 0) {
    const pid = pending.pop()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    const stat = stats.get(pid);
    if (!stat) continue;
    cpu += stat.cpuTicks;
    system += stat.systemTicks;
    pending.push(...(children.get(pid) ?? []));
  }
  const us = 1e6 / CLOCK_TICKS;
  return { userUs: (cpu - system) * us, systemUs: system * us };
}

/** The postmaster is the postgres process started with `-p <port>` (backends rewrite their command line). */
function findPostmaster(port: number): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      const p = argv.indexOf('-p');
      if (/postgres$/.test(argv[0] ?? '') && p >= 0 && argv[p + 1] === String(port)) return Number(entry);
    } catch {
      // gone, or not ours to read
    }
  }
  throw new Error(`no postmaster found listening on port ${port}`);
}

/** The differences `after - before`, per name, largest first, those that changed only. */
export function countersBetween(
  before: ReadonlyMap<string, number>,
  after: ReadonlyMap<string, number>,
): [string, number][] {
  return [...after]
    .map(([name, n]): [string, number] => [name, n - (before.get(name) ?? 0)])
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1]);
}
