/**
 * A private PostgreSQL for tests: its own cluster (initdb) in a temp folder, on a free loopback port,
 * started and stopped with pg_ctl, removed after. PostgreSQL refuses to run as root, so as root the
 * commands run as the `postgres` user (su) in a folder given to it; as anyone else they run directly.
 * The binaries are found in ENCLAVE_PG_BIN, else Debian's /usr/lib/postgresql/<newest>/bin, else on PATH.
 * Reused by the storage conformance suite, the restart test and the cluster tests
 * (`@enclave/relay/testing/private-postgres`).
 */
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './free-port.js';

const run = promisify(execFile);

export interface PrivatePostgres {
  /** The port it listens on (127.0.0.1), kept across stop() and start(). */
  readonly port: number;
  /** A connection URL for `database` (default: the `postgres` database). */
  url(database?: string): string;
  /** Creates an empty database and resolves with its URL. */
  createDatabase(): Promise<string>;
  /** Stops the server (fast shutdown: committed work is kept); start() brings it back on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it if running and removes its folder. */
  close(): Promise<void>;
}

const USER = 'enclave';

/**
 * `settings`: extra server settings (`-c name=value`), e.g. the benchmark's
 * `shared_preload_libraries=pg_stat_statements` to count statements.
 */
export async function startPrivatePostgres(settings: Readonly<Record<string, string>> = {}): Promise<PrivatePostgres> {
  const bin = findBinaries();
  const folder = mkdtempSync(join(tmpdir(), 'enclave-pg-'));
  const data = join(folder, 'data');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: group } = await run('id', ['-g', 'postgres']);
    chownSync(folder, Number(stdout.trim()), Number(group.trim()));
  }
  /** Runs a PostgreSQL program as the user that owns the cluster. */
  const pgRun = async (program: string, args: string[]): Promise<void> => {
    const path = join(bin, program);
    if (!asRoot) {
      await run(path, args, { cwd: folder });
      return;
    }
    const command = [path, ...args].map(shellQuote).join(' ');
    await run('su', ['postgres', '-s', '/bin/sh', '-c', command], { cwd: folder });
  };
  const port = await freePort();
  let running = false;
  const start = async (): Promise<void> => {
    const options = [
      `-p ${port}`,
      `-k ${folder}`,
      '-c listen_addresses=127.0.0.1',
      // A throwaway cluster: no flush to the disk (a fast shutdown still keeps every commit).
      '-c fsync=off',
      '-c full_page_writes=off',
      ...Object.entries(settings).map(([name, value]) => `-c ${name}=${value}`),
    ].join(' ');
    await pgRun('pg_ctl', ['-D', data, '-l', join(folder, 'server.log'), '-o', options, '-w', '-t', '60', 'start']);
    running = true;
  };
  try {
    await pgRun('initdb', ['-D', data, '-U', USER, '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
    await start();
  } catch (error) {
    rmSync(folder, { recursive: true, force: true });
    throw new Error(`could not start a private PostgreSQL with ${bin}: ${String(error)}`);
  }
  let databases = 0;
  const url = (database = 'postgres'): string => `postgres://${USER}@127.0.0.1:${port}/${database}`;
  return {
    port,
    url,
    async createDatabase() {
      const name = `test_${++databases}`;
      const client = new pg.Client({ connectionString: url() });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return url(name);
    },
    async stop() {
      await pgRun('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
      running = false;
    },
    start,
    async close() {
      if (running) await pgRun('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
      running = false;
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

function findBinaries(): string {
  const fromEnv = process.env['ENCLAVE_PG_BIN'];
  if (fromEnv) return fromEnv;
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian)
      .filter((v) => existsSync(join(debian, v, 'bin', 'pg_ctl')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return join(debian, versions[0], 'bin');
  }
  for (const dir of (process.env['PATH'] ?? '').split(':')) {
    if (dir && existsSync(join(dir, 'pg_ctl')) && existsSync(join(dir, 'initdb'))) return dir;
  }
  throw new Error('PostgreSQL is not installed (no pg_ctl): run scripts/setup.sh, or set ENCLAVE_PG_BIN');
}

function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
