/**
 * The connection pool under PostgresStorage, and what its failures mean to the relay. A pool recovers by
 * itself: a connection PostgreSQL dropped (restart, failover) is discarded and the next call opens a new one,
 * so the relay needs no restart. While PostgreSQL is down every call rejects with StorageUnavailable, having
 * written nothing; the caller does not acknowledge what it could not store.
 */
import pg from 'pg';
import { LastLeadError, StorageConflict, StorageNotFound, StorageUnavailable } from './storage.js';

export interface PostgresPoolOptions {
  /** Connections at most (default 10). */
  readonly maxConnections?: number;
  /** How long to wait for a connection before failing the call (default 5000 ms). */
  readonly connectTimeoutMs?: number;
  /**
   * How long a statement may go unanswered before the call fails as unavailable and its connection is
   * dropped (default 30000 ms): a database cut off by the network must not hold an edit for ever.
   */
  readonly queryTimeoutMs?: number;
}

/** A client inside a transaction. */
export type Queryable = Pick<pg.PoolClient, 'query'>;

/** PostgreSQL's int8 (bigserial, COUNT) as a number: sequence numbers stay far below 2^53. */
const INT8_OID = 20;
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary'
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** SQLSTATEs of a transaction PostgreSQL chose to abort for another's sake: the whole transaction is retried. */
const RETRIED = new Set(['40001', '40P01']);
const ATTEMPTS = 3;

export class PostgresPool {
  private readonly pool: pg.Pool;

  constructor(connectionString: string, options: PostgresPoolOptions = {}) {
    this.pool = new pg.Pool({
      connectionString,
      max: options.maxConnections ?? 10,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
      query_timeout: options.queryTimeoutMs ?? 30_000,
      idleTimeoutMillis: 30_000,
      keepAlive: true,
      application_name: 'enclave-relay',
      types,
    });
    // An idle connection dropped by the server (a restart) is reported here and leaves the pool; without a
    // listener Node would end the process. The next call opens a new connection.
    this.pool.on('error', () => undefined);
  }

  /** One statement, committed on its own. */
  async query<R extends pg.QueryResultRow>(text: string, values: readonly unknown[] = []): Promise<R[]> {
    try {
      return (await this.pool.query<R>(text, values as unknown[])).rows;
    } catch (error) {
      throw storageError(error);
    }
  }

  /**
   * One statement run often: prepared once per connection under `name` (PostgreSQL parses and plans it
   * once), committed on its own, and run again when PostgreSQL aborts it for a deadlock or serialization
   * failure (being one statement, it then changed nothing).
   */
  async statement<R extends pg.QueryResultRow>(name: string, text: string, values: readonly unknown[]): Promise<R[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return (await this.pool.query<R>({ name, text, values: values as unknown[] })).rows;
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        if (typeof code === 'string' && RETRIED.has(code) && attempt < ATTEMPTS) continue;
        throw storageError(error);
      }
    }
  }

  /**
   * Runs `work` in one transaction (READ COMMITTED unless `isolation` says otherwise) and commits it; rolls
   * back on any error. `work` may run again when PostgreSQL aborts it for a deadlock or serialization failure.
   */
  async transaction<T>(
    work: (client: Queryable) => Promise<T>,
    isolation: 'READ COMMITTED' | 'REPEATABLE READ' = 'READ COMMITTED',
  ): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      let client: pg.PoolClient;
      try {
        client = await this.pool.connect();
      } catch (error) {
        throw storageError(error);
      }
      let broken = false;
      try {
        await client.query(`BEGIN ISOLATION LEVEL ${isolation}`);
        const result = await work(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        broken = isUnavailable(error);
        if (!broken) await client.query('ROLLBACK').catch(() => (broken = true));
        const code = (error as { code?: unknown }).code;
        if (!broken && typeof code === 'string' && RETRIED.has(code) && attempt < ATTEMPTS) continue;
        throw storageError(error);
      } finally {
        // A connection that failed mid-transaction is closed rather than handed to the next caller.
        client.release(broken);
      }
    }
  }

  /** Lends one connection to `work` (which manages its own transactions), then returns it to the pool. */
  async withClient<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw storageError(error);
    }
    let failed = false;
    try {
      return await work(client);
    } catch (error) {
      failed = true;
      throw storageError(error);
    } finally {
      client.release(failed);
    }
  }

  /** Closes every connection; a second call does nothing. */
  async end(): Promise<void> {
    if (this.pool.ended) return;
    await this.pool.end();
  }
}

/** True for failures of the connection rather than of the statement: PostgreSQL unreachable or going away. */
function isUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string') {
    if (/^E[A-Z_]+$/.test(code)) return true; // Node's socket errors: ECONNREFUSED, ECONNRESET, EPIPE, ...
    // SQLSTATE 08: connection exception; 57P01-57P03: shutting down, crashed, starting; 53300: too many.
    return code.startsWith('08') || code.startsWith('57P') || code === '53300';
  }
  // The driver's own words for a connection lost or never made.
  return (
    error instanceof Error &&
    /connection terminated|connection error|timeout exceeded when trying to connect|connection ended|query read timeout/i.test(
      error.message,
    )
  );
}

/** The error a Storage caller gets: the storage's own kinds, StorageUnavailable, or the engine's error. */
export function storageError(error: unknown): unknown {
  if (
    error instanceof StorageConflict ||
    error instanceof StorageNotFound ||
    error instanceof LastLeadError ||
    error instanceof StorageUnavailable
  ) {
    return error;
  }
  const message = error instanceof Error ? error.message : String(error);
  if (isUnavailable(error)) return new StorageUnavailable(`PostgreSQL is unavailable: ${message}`);
  const code = (error as { code?: unknown }).code;
  if (code === '23505') return new StorageConflict(message);
  if (code === '23503') return new StorageNotFound(message);
  return error;
}
