/**
 * A relay service as an operator runs it: several `enclave relay` processes on one private PostgreSQL and
 * one private redis-server, sharing one relay identity file. The engines are started once per suite
 * (startClusterEngines); each cluster gets its own database, and shares Redis with nobody since the previous
 * cluster's relays are gone by then. One relay may reach Redis through a FreezableProxy, to cut it
 * off. close() kills every process the cluster started, whatever state the test left them in.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateIdentity, type Identity, serializeIdentity } from '@enclave/shared';
import { type PrivatePostgres, startPrivatePostgres } from '@enclave/relay/testing/private-postgres';
import { type RelayProcess, startRelayProcess } from './cli.js';
import { FreezableProxy } from './freezable-proxy.js';
import { RedisServer } from './redis-server.js';

export interface ClusterEngines {
  readonly postgres: PrivatePostgres;
  readonly redis: RedisServer;
  close(): Promise<void>;
}

export async function startClusterEngines(): Promise<ClusterEngines> {
  const postgres = await startPrivatePostgres();
  const redis = await RedisServer.start().catch(async (error: unknown) => {
    await postgres.close();
    throw error;
  });
  return {
    postgres,
    redis,
    async close() {
      await redis.close();
      await postgres.close();
    },
  };
}

export interface IdentityOnDisk {
  readonly file: string;
  readonly identity: Identity;
}

export interface ProcessCluster {
  readonly dir: string;
  readonly database: string;
  /** The relay processes, by index; one killed by a test stays in place. */
  readonly relays: RelayProcess[];
  readonly urls: string[];
  /** The proxy between relay `redisProxyFor` and Redis, if asked for: freeze it to cut that relay off. */
  readonly redisProxy?: FreezableProxy;
  /** The relay admin (lead of the spaces it creates). */
  readonly admin: IdentityOnDisk;
  /** The relay key file all relays share (created by the first one that starts). */
  readonly relayIdentityFile: string;
  /** Environment for a CLI command as `who`, given the relays `order` (first tried first). */
  cliEnv(who: IdentityOnDisk, order: readonly number[]): Record<string, string>;
  /** A new identity with its file (mode 0600, as `enclave identity new` writes it). */
  newIdentity(name: string): Promise<IdentityOnDisk>;
  close(): Promise<void>;
}

export async function startProcessCluster(
  engines: ClusterEngines,
  count: number,
  options: { readonly redisProxyFor?: number } = {},
): Promise<ProcessCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'enclave-processes-'));
  const relays: RelayProcess[] = [];
  let redisProxy: FreezableProxy | undefined;
  const close = async (): Promise<void> => {
    await Promise.all(relays.map((relay) => relay.kill('SIGKILL')));
    await redisProxy?.close();
    rmSync(dir, { recursive: true, force: true });
  };
  const newIdentity = async (name: string): Promise<IdentityOnDisk> => {
    const identity = await generateIdentity(name);
    const file = join(dir, `${name.toLowerCase()}.json`);
    writeFileSync(file, serializeIdentity(identity), { mode: 0o600 });
    return { file, identity };
  };
  try {
    const database = await engines.postgres.createDatabase();
    const admin = await newIdentity('Admin');
    const relayIdentityFile = join(dir, 'relay-identity.json');
    if (options.redisProxyFor !== undefined) {
      redisProxy = await FreezableProxy.start(`ws://127.0.0.1:${engines.redis.port}`);
    }
    for (let i = 0; i < count; i++) {
      const redis =
        i === options.redisProxyFor && redisProxy ? redisProxy.url.replace(/^ws/, 'redis') : engines.redis.url;
      const args = ['--storage', database, '--redis', redis, '--relay-identity', relayIdentityFile];
      relays.push(await startRelayProcess(join(dir, `relay-${i}`), admin.identity.publicKey, 0, { args }));
    }
    const urls = relays.map((relay) => relay.url);
    return {
      dir,
      database,
      relays,
      urls,
      ...(redisProxy ? { redisProxy } : {}),
      admin,
      relayIdentityFile,
      cliEnv: (who, order) => ({
        ENCLAVE_RELAY: order.map((i) => urls[i]!).join(','),
        ENCLAVE_IDENTITY: who.file,
      }),
      newIdentity,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** A relay's /healthz: HTTP status and body (status 0 when it does not answer). */
export async function healthOf(
  url: string,
): Promise<{ status: number; body: { status?: string; fanOut?: { state: string } } }> {
  try {
    const response = await fetch(`${url.replace(/^ws/, 'http')}/healthz`, { signal: AbortSignal.timeout(2000) });
    return { status: response.status, body: (await response.json()) as { status: string; fanOut?: { state: string } } };
  } catch {
    return { status: 0, body: {} };
  }
}
