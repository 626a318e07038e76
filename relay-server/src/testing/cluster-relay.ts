/**
 * The editors' suites against a cluster (ENCLAVE_TEST_CLUSTER=1): two relays on one private PostgreSQL and
 * one private redis-server, with one relay key, so that clients on `url` and clients on `secondUrl` meet
 * only through the cluster. Both give both addresses as the service's public ones (invite links carry
 * them). Stopping and starting it stops and starts both relays on the same ports, as a
 * restart of the whole service; the engines stay up. `stopRelay(url)` and `startRelay(url)` take one relay
 * down and bring it back on its port: the other keeps serving, and clients that know both addresses move. Used by the e2e, VS Code and JupyterLab suites
 * (`@enclave/relay/testing/cluster-relay`).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { generateIdentity, type Identity } from '@enclave/shared';
import { type Logger } from '../observability/logger.js';
import { createRelay, type Relay } from '../relay.js';
import { PostgresStorage } from '../storage/postgres-storage.js';
import { type PrivatePostgres, startPrivatePostgres } from './private-postgres.js';
import { RedisServer } from './private-redis.js';
import { freePort } from './free-port.js';

/** True when the suites are asked to run against the two-relay cluster. */
export const TEST_CLUSTER = process.env['ENCLAVE_TEST_CLUSTER'] === '1';

export class ClusterRelay {
  /** By position: the first and second relay, undefined while that one is stopped. */
  private running: (Relay | undefined)[] = [];
  private ports = [0, 0];
  url = '';
  secondUrl = '';

  private constructor(
    private readonly admins: readonly string[],
    private readonly dataDir: string,
    private readonly postgres: PrivatePostgres,
    /** The cluster's database URL (what `enclave relay --storage` is given). */
    readonly database: string,
    private readonly redis: RedisServer,
    private readonly identity: Identity,
    private readonly logger: Logger | undefined,
  ) {}

  static async create(admins: readonly string[], dataDir: string, logger?: Logger): Promise<ClusterRelay> {
    const postgres = await startPrivatePostgres();
    try {
      const database = await postgres.createDatabase();
      const redis = await RedisServer.start();
      const identity = await generateIdentity('relay');
      return new ClusterRelay(admins, dataDir, postgres, database, redis, identity, logger);
    } catch (error) {
      await postgres.close();
      throw error;
    }
  }

  /** The running relays, first and second (empty while stopped). */
  get relays(): readonly Relay[] {
    return this.running.filter((relay): relay is Relay => relay !== undefined);
  }

  /** Starts both relays (again, on the same ports; those running stay); resolves with the first one's URL. */
  async start(): Promise<string> {
    // Each relay gives both addresses in invite links: the ports are chosen before either listens.
    if (this.ports.includes(0)) this.ports = [await freePort(), await freePort()];
    const urls: string[] = [];
    for (const i of this.ports.keys()) urls.push(await this.startAt(i));
    [this.url, this.secondUrl] = urls as [string, string];
    return this.url;
  }

  /** Stops the one relay at `url` (the first's or the second's); the other keeps serving. */
  async stopRelay(url: string): Promise<void> {
    const i = this.indexOf(url);
    const relay = this.running[i];
    this.running[i] = undefined;
    await relay?.close();
  }

  /** Starts the one relay at `url` again, on its port (a no-op while it runs). */
  async startRelay(url: string): Promise<void> {
    await this.startAt(this.indexOf(url));
  }

  private indexOf(url: string): number {
    const i = [this.url, this.secondUrl].indexOf(url.replace(/\/+$/, ''));
    if (i < 0 || url === '')
      throw new Error(`${url} is not one of this cluster's relays (${this.url}, ${this.secondUrl})`);
    return i;
  }

  private async startAt(i: number): Promise<string> {
    const publicUrls = this.ports.map((port) => `ws://127.0.0.1:${port}`);
    const started = this.running[i];
    if (started) return publicUrls[i]!;
    const dataDir = join(this.dataDir, `relay-${i}`);
    mkdirSync(dataDir, { recursive: true });
    const relay = createRelay({
      admins: this.admins,
      dataDir,
      storageUrl: this.database,
      redis: this.redis.url,
      relayIdentity: this.identity,
      publicUrls,
      host: '127.0.0.1',
      port: this.ports[i]!,
      ...(this.logger ? { logger: this.logger } : {}),
    });
    this.running[i] = relay;
    try {
      return (await relay.listen()).url;
    } catch (error) {
      this.running[i] = undefined;
      await relay.close().catch(() => undefined);
      throw error;
    }
  }

  /**
   * The cluster's storage opened on its own (close it after): for tests that change what the relays
   * serve behind their backs, as a dishonest operator could.
   */
  openStorage(): Promise<PostgresStorage> {
    return PostgresStorage.open(this.database);
  }

  /**
   * Every row of every table of the cluster's database as text (bytea as hex), read through SQL so that
   * nothing PostgreSQL compresses on disk hides from a search: what the relays stored, all of it.
   */
  async storedText(): Promise<string> {
    const client = new pg.Client({ connectionString: this.database });
    await client.connect();
    try {
      const { rows: tables } = await client.query<{ name: string }>(
        "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
      );
      const parts: string[] = [];
      for (const { name } of tables) {
        const { rows } = await client.query<{ row: string }>(
          `SELECT t::text AS row FROM ${client.escapeIdentifier(name)} t`,
        );
        for (const { row } of rows) parts.push(row);
      }
      return parts.join('\n');
    } finally {
      await client.end();
    }
  }

  async stop(): Promise<void> {
    const relays = this.relays;
    this.running = [];
    await Promise.all(relays.map((relay) => relay.close()));
  }

  async close(): Promise<void> {
    await this.stop();
    await this.redis.close();
    await this.postgres.close();
  }
}
