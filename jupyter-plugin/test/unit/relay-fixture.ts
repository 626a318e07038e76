/**
 * A real relay (in-memory storage, port 0) with one space and members in each role, for the unit tests
 * of the plugin's classes and the real-JupyterLab suite; for that suite under ENCLAVE_TEST_CLUSTER=1, two
 * relays on a private PostgreSQL and Redis. Nothing here stands in for a component: it is the relay and
 * the client library.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRelay, MemoryStorage, type Relay, silentLogger, type Storage } from '@enclave/relay';
import { ClusterRelay } from '@enclave/relay/testing/cluster-relay';
import {
  EnclaveConnection,
  generateIdentity,
  type Identity,
  type Role,
  type WebSocketConstructor,
} from '@enclave/shared';
import WebSocket from 'ws';

export const NodeWebSocket = WebSocket as unknown as WebSocketConstructor;

export interface RelayFixture {
  /** The relay the lead and the tests' own clients use. */
  readonly relay: Relay;
  readonly url: string;
  /** Where JupyterLab connects: the cluster's other relay, else the same one. */
  readonly labRelay: Relay;
  readonly labUrl: string;
  /** What the relays store, for tests that change what they serve behind their backs. */
  readonly storage: Storage;
  readonly space: string;
  readonly lead: Identity;
  readonly editor: Identity;
  readonly viewer: Identity;
  readonly stranger: Identity;
  close(): Promise<void>;
}

interface Relays {
  readonly relay: Relay;
  readonly url: string;
  readonly labRelay: Relay;
  readonly labUrl: string;
  readonly storage: Storage;
  close(): Promise<void>;
}

async function startOne(lead: Identity): Promise<Relays> {
  const storage = new MemoryStorage();
  const relay = createRelay({ admins: [lead.publicKey], host: '127.0.0.1', port: 0, logger: silentLogger, storage });
  const { url } = await relay.listen();
  return { relay, url, labRelay: relay, labUrl: url, storage, close: () => relay.close() };
}

async function startCluster(lead: Identity): Promise<Relays> {
  const dir = mkdtempSync(join(tmpdir(), 'enclave-lab-cluster-'));
  const cluster = await ClusterRelay.create([lead.publicKey], dir, silentLogger);
  const url = await cluster.start();
  const storage = await cluster.openStorage();
  const [relay, labRelay] = cluster.relays as [Relay, Relay];
  return {
    relay,
    url,
    labRelay,
    labUrl: cluster.secondUrl,
    storage,
    close: async () => {
      await storage.close();
      await cluster.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `cluster`: two relays on PostgreSQL and Redis (the suite's ENCLAVE_TEST_CLUSTER=1) instead of one. */
export async function startRelay(space = 'lab', { cluster = false } = {}): Promise<RelayFixture> {
  const [lead, editor, viewer, stranger] = (await Promise.all(
    ['Ada Lead', 'Eve Editor', 'Vic Viewer', 'Sam Stranger'].map((name) => generateIdentity(name)),
  )) as [Identity, Identity, Identity, Identity];
  const relays = await (cluster ? startCluster(lead) : startOne(lead));
  const { url } = relays;
  const control = new EnclaveConnection({
    relayUrl: url,
    room: { space },
    identity: lead,
    WebSocket: NodeWebSocket,
    reconnect: false,
  }).connect();
  try {
    await control.request({ op: 'space.create' });
    const grants: [Identity, Role][] = [
      [editor, 'editor'],
      [viewer, 'viewer'],
    ];
    for (const [identity, role] of grants) {
      await control.request({ op: 'members.grant', publicKey: identity.publicKey, role, name: identity.name });
    }
  } catch (error) {
    await relays.close();
    throw error;
  } finally {
    control.destroy();
  }
  return { ...relays, space, lead, editor, viewer, stranger };
}

/** Polls until `check` stops throwing (or the time is up, then rethrows its last error). */
export async function eventually(check: () => void | Promise<void>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}
