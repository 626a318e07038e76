/**
 * A TCP proxy on 127.0.0.1 in front of a real relay that can go silent: frozen, it stops passing bytes on
 * open connections and accepts new ones without ever answering (the TCP handshake succeeds, nothing follows).
 * Thawed, it forwards again; connections that were frozen stay dead, as after a real network outage.
 * Released instead, the frozen connections resume and deliver what was held, in order (a network stall).
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export class FreezableProxy {
  private frozen = false;
  private readonly sockets = new Set<Socket>();
  /** Each open connection's two ends (client side, relay side), to pipe again on release(). */
  private readonly pairs = new Set<readonly [Socket, Socket]>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(target: string): Promise<FreezableProxy> {
    const upstream = new URL(target.replace(/^ws/, 'http'));
    const accept: { to?: FreezableProxy } = {};
    const server = createServer((client) => accept.to?.accept(client, upstream));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (typeof address !== 'object' || !address) throw new Error('no proxy port');
    accept.to = new FreezableProxy(server, `ws://127.0.0.1:${address.port}`);
    return accept.to;
  }

  freeze(): void {
    this.frozen = true;
    for (const socket of this.sockets) {
      socket.unpipe();
      socket.pause();
    }
  }

  /** Ends a freeze without cutting anyone: every open connection delivers what was held, then flows again. */
  release(): void {
    this.frozen = false;
    for (const [client, server] of this.pairs) {
      client.pipe(server);
      server.pipe(client);
      client.resume();
      server.resume();
    }
  }

  thaw(): void {
    this.frozen = false;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket, upstream: URL): void {
    this.track(client);
    client.on('error', () => undefined);
    if (this.frozen) {
      client.pause(); // accepted, never answered
      return;
    }
    const server = connect(Number(upstream.port), upstream.hostname);
    this.track(server);
    server.on('error', () => client.destroy());
    client.pipe(server);
    server.pipe(client);
    const pair = [client, server] as const;
    this.pairs.add(pair);
    client.on('close', () => (this.pairs.delete(pair), server.destroy()));
    server.on('close', () => client.destroy());
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
  }
}
