/**
 * What the cluster kinds run on: one private PostgreSQL (relay-server's testing helper) and one private
 * redis-server, on loopback, and the CPU time of their processes read from /proc, so that CPU per edit
 * can be summed over the relays, Redis and PostgreSQL (whose backends are children of the postmaster).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { startPrivatePostgres } from '@enclave/relay/testing/private-postgres';
import { RedisServer } from '@enclave/relay/testing/private-redis';

export interface ClusterBackends {
  readonly storageUrl: string;
  readonly redisUrl: string;
  /** Process trees whose CPU counts with the relays': redis-server and the postmaster. */
  readonly pids: readonly number[];
  close(): Promise<void>;
  /** At once, for a benchmark that is exiting: SIGKILL to Redis, immediate shutdown (SIGQUIT) to PostgreSQL. */
  kill(): void;
}

export async function startClusterBackends(): Promise<ClusterBackends> {
  const postgres = await startPrivatePostgres();
  let redis: RedisServer | undefined;
  try {
    const storageUrl = await postgres.createDatabase();
    redis = await RedisServer.start();
    const postmaster = findPostmaster(postgres.port);
    const started = redis;
    return {
      storageUrl,
      redisUrl: started.url,
      pids: [started.pid!, postmaster],
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
