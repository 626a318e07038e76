/**
 * The relay the suite talks to, which tests inside VS Code can stop and start again (to take the client
 * offline and bring it back) through a small HTTP endpoint on 127.0.0.1. Data lives in SQLite in a temp
 * folder, so a restart keeps the documents, as a real relay does. With ENCLAVE_TEST_CLUSTER=1 it is two
 * relays on a private PostgreSQL and Redis instead: VS Code on the first, the tests' own clients on the
 * second (`peerUrl`), so that everything they see of each other crossed the cluster.
 */
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { createRelay, DATABASE_FILE, type Relay, SqliteStorage, type Storage } from '@enclave/relay';
import { ClusterRelay, TEST_CLUSTER } from '@enclave/relay/testing/cluster-relay';
import { FreezableProxy } from '@enclave/test/freezable-proxy';

export class ControlledRelay {
  private relay: Relay | undefined;
  private port = 0;
  private control: Server | undefined;
  private proxy: FreezableProxy | undefined;
  /** Where VS Code connects. */
  url = '';
  /** Where the tests' own clients (peers, set-up) connect: the cluster's second relay, else `url`. */
  peerUrl = '';

  private constructor(
    private readonly admins: readonly string[],
    private readonly dataDir: string,
    private readonly cluster: ClusterRelay | undefined,
  ) {}

  static async create(admins: readonly string[], dataDir: string): Promise<ControlledRelay> {
    const cluster = TEST_CLUSTER ? await ClusterRelay.create(admins, dataDir) : undefined;
    return new ControlledRelay(admins, dataDir, cluster);
  }

  async start(): Promise<string> {
    if (this.cluster) {
      this.url = await this.cluster.start();
      this.peerUrl = this.cluster.secondUrl;
      return this.url;
    }
    if (this.relay) return this.url;
    const relay = createRelay({ admins: this.admins, dataDir: this.dataDir, host: '127.0.0.1', port: this.port });
    const { url } = await relay.listen();
    this.relay = relay;
    this.url = url;
    this.peerUrl = url;
    this.port = Number(new URL(url).port);
    return url;
  }

  /** Every address of the service: the cluster's two relays, else the one relay. */
  get addresses(): string[] {
    return [...new Set([this.url, this.peerUrl])];
  }

  /**
   * Stops the one cluster relay at `url` (its clients that know the other address move there), or starts it
   * again on its port; refused on one relay, which has no other to move to.
   */
  async stopOne(url: string): Promise<void> {
    if (!this.cluster) throw new Error('one relay: there is no other relay of the service to move to');
    await this.cluster.stopRelay(url);
  }

  async startOne(url: string): Promise<void> {
    if (!this.cluster) throw new Error('one relay: there is no other relay of the service to move to');
    await this.cluster.startRelay(url);
  }

  async stop(): Promise<void> {
    await this.cluster?.stop();
    const relay = this.relay;
    this.relay = undefined;
    await relay?.close();
  }

  /**
   * A second address for the same relay that starts silent (TCP accepted, nothing answered) until
   * `POST /silent/thaw`; `POST /silent/freeze` makes it silent again.
   */
  async startSilent(): Promise<string> {
    this.proxy = await FreezableProxy.start(this.url);
    this.proxy.freeze();
    return this.proxy.url;
  }

  /**
   * In a cluster, everything its relays stored, as text (bytea as hex; ClusterRelay.storedText); undefined
   * for one relay, whose data is the files of its data folder.
   */
  storedText(): Promise<string> | undefined {
    return this.cluster?.storedText();
  }

  /**
   * Changes a listing's title in the relay's storage behind its lead's back (the relay is stopped meanwhile),
   * as a relay operator could: the directory then serves text its lead never signed.
   */
  async alterListing(space: string): Promise<void> {
    await this.editStorage(async (storage) => {
      const stored = await storage.getListing(space);
      if (!stored) throw new Error(`${space} is not listed`);
      await storage.putListing({ ...stored, title: `${stored.title} (altered)` });
    });
  }

  /**
   * Runs `change` on the relay's storage while the relay is stopped, then starts it again: what an operator
   * (or an intruder) with the data folder can do behind the members' backs.
   */
  async editStorage<T>(change: (storage: Storage) => Promise<T>): Promise<T> {
    await this.stop();
    const storage: Storage = this.cluster
      ? await this.cluster.openStorage()
      : new SqliteStorage(join(this.dataDir, DATABASE_FILE));
    try {
      return await change(storage);
    } finally {
      await storage.close();
      await this.start();
    }
  }

  /**
   * `POST /relay/stop`, `POST /relay/start` and `POST /listing/alter?space=NAME`; answers with CORS headers
   * for the VS Code web worker.
   */
  async listenControl(): Promise<string> {
    const server = createServer((request, response) => {
      response.setHeader('access-control-allow-origin', '*');
      const done = (status: number, body: string): void => {
        response.writeHead(status, { 'content-type': 'text/plain' });
        response.end(body);
      };
      if (request.method === 'OPTIONS') return done(204, '');
      const alter = request.method === 'POST' && request.url?.startsWith('/listing/alter?');
      const space = alter ? new URLSearchParams(request.url?.slice('/listing/alter?'.length)).get('space') : null;
      const action = space
        ? this.alterListing(space)
        : request.method === 'POST' && request.url === '/relay/stop'
          ? this.stop()
          : request.method === 'POST' && request.url === '/relay/start'
            ? this.start()
            : request.method === 'POST' && request.url === '/silent/freeze'
              ? Promise.resolve(this.proxy?.freeze())
              : request.method === 'POST' && request.url === '/silent/thaw'
                ? Promise.resolve(this.proxy?.thaw())
                : undefined;
      if (!action) return done(404, 'unknown');
      action.then(
        () => done(200, 'ok'),
        (error: unknown) => done(500, String(error)),
      );
    });
    this.control = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (typeof address !== 'object' || !address) throw new Error('no control port');
    return `http://127.0.0.1:${address.port}`;
  }

  async close(): Promise<void> {
    await this.proxy?.close();
    await this.stop();
    await this.cluster?.close();
    await new Promise<void>((resolve) => (this.control ? this.control.close(() => resolve()) : resolve()));
  }
}
