/**
 * The e2e suite's relay as a two-relay cluster (ENCLAVE_TEST_CLUSTER=1): two relays on one private
 * PostgreSQL and one private redis-server, with one relay key, so that the VS Code user (on `url`) and the
 * JupyterLab user (on `secondUrl`) meet only through the cluster. Stopping and starting it stops and starts
 * both relays on the same ports, as a restart of the whole service; the engines stay up.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { generateIdentity, type Identity } from '@enclave/shared';
import { createRelay, PostgresStorage, type Relay, type Storage } from '@enclave/relay';
import { type PrivatePostgres, startPrivatePostgres } from '@enclave/relay/testing/private-postgres';
import { RedisServer } from '../../src/support/redis-server.js';

export class ClusterRelay {
  private relays: Relay[] = [];
  private ports = [0, 0];
  url = '';
  secondUrl = '';

  private constructor(
    private readonly admins: readonly string[],
    private readonly dataDir: string,
    private readonly postgres: PrivatePostgres,
    private readonly database: string,
    private readonly redis: RedisServer,
    private readonly identity: Identity,
  ) {}

  static async create(admins: readonly string[], dataDir: string): Promise<ClusterRelay> {
    const postgres = await startPrivatePostgres();
    try {
      const database = await postgres.createDatabase();
      const redis = await RedisServer.start();
      return new ClusterRelay(admins, dataDir, postgres, database, redis, await generateIdentity('relay'));
    } catch (error) {
      await postgres.close();
      throw error;
    }
  }

  /** Starts both relays (again); resolves with the first one's URL. */
  async start(): Promise<string> {
    if (this.relays.length > 0) return this.url;
    const urls: string[] = [];
    for (const [i, port] of this.ports.entries()) {
      const dataDir = join(this.dataDir, `relay-${i}`);
      mkdirSync(dataDir, { recursive: true });
      const relay = createRelay({
        admins: this.admins,
        dataDir,
        storageUrl: this.database,
        redis: this.redis.url,
        relayIdentity: this.identity,
        host: '127.0.0.1',
        port,
      });
      this.relays.push(relay);
      urls.push((await relay.listen()).url);
    }
    this.ports = urls.map((url) => Number(new URL(url).port));
    [this.url, this.secondUrl] = urls as [string, string];
    return this.url;
  }

  async stop(): Promise<void> {
    const relays = this.relays;
    this.relays = [];
    await Promise.all(relays.map((relay) => relay.close()));
  }

  /** Runs `change` on the cluster's storage while both relays are stopped, then starts them again. */
  async editStorage<T>(change: (storage: Storage) => Promise<T>): Promise<T> {
    await this.stop();
    const storage = await PostgresStorage.open(this.database);
    try {
      return await change(storage);
    } finally {
      await storage.close();
      await this.start();
    }
  }

  async close(): Promise<void> {
    await this.stop();
    await this.redis.close();
    await this.postgres.close();
  }
}
