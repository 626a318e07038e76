/**
 * Several real relays in this process on ONE storage (SQLite in a temp folder), with a real redis-server
 * between them: what `enclave relay --redis` does on several machines, on loopback. Each relay may reach
 * Redis through its own address (a FreezableProxy, to cut one relay off).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateIdentity, type Identity } from '@enclave/shared';
import { createRelay, type Relay, type RelayOptions, silentLogger, SqliteStorage } from '@enclave/relay';
import { type RedisServer } from './redis-server.js';

export interface ClusterFixture {
  readonly relays: Relay[];
  readonly urls: string[];
  readonly admin: Identity;
  /** The relay key the relays share (it also keys their fan-out messages). */
  readonly relayIdentity: Identity;
  readonly storage: SqliteStorage;
  readonly redis: RedisServer;
  close(): Promise<void>;
}

export async function startCluster(
  redis: RedisServer,
  count: number,
  options: { redisUrls?: readonly (string | undefined)[]; relay?: Partial<RelayOptions> } = {},
): Promise<ClusterFixture> {
  const admin = await generateIdentity('Admin');
  const relayIdentity = await generateIdentity('relay'); // one service: clients may meet any of them
  const dir = mkdtempSync(join(tmpdir(), 'enclave-cluster-'));
  const storage = new SqliteStorage(join(dir, 'enclave.sqlite'));
  const relays: Relay[] = [];
  const urls: string[] = [];
  for (let i = 0; i < count; i++) {
    const relay = createRelay({
      storage,
      relayIdentity,
      admins: [admin.publicKey],
      logger: silentLogger,
      redis: options.redisUrls?.[i] ?? redis.url,
      ...options.relay,
    });
    relays.push(relay);
    urls.push((await relay.listen()).url);
  }
  return {
    relays,
    urls,
    admin,
    relayIdentity,
    storage,
    redis,
    async close() {
      await Promise.all(relays.map((relay) => relay.close()));
      await storage.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A relay's counter from /metrics (summed over labels matching `labels`, e.g. 'kind="stored"'). */
export async function metricValue(relay: Relay, name: string, labels = ''): Promise<number> {
  const text = await relay.metrics.registry.getSingleMetricAsString(name);
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || !line.includes(labels)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}
