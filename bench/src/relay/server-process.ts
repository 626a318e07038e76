/**
 * Child process running exactly one server under test on 127.0.0.1, port 0, so that its CPU time and
 * peak RSS are its own. Usage (forked by run.ts): server-process.js <kind> <dataDir> <adminPublicKey>
 * [<postgresUrl> <redisUrl>] (the cluster kinds: one of several relays on that storage, Redis between them).
 * Reports { type: 'ready', url } and answers 'stats' and 'stop' over IPC.
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { WebSocketServer } from 'ws';
import { type FromServer, isEnclave, type ServerKind, type ToServer } from './ipc.js';

interface Running {
  readonly url: string;
  stop(): Promise<void>;
}

function send(message: FromServer): void {
  process.send?.(message);
}

// Each server's library is imported only in its own process, so none inflates another's RSS.
async function startReference(): Promise<Running> {
  const { setupWSConnection } = await import('@y/websocket-server/utils');
  // The reference y-websocket server: setupWSConnection on a plain `ws` server, in memory.
  const wss = new WebSocketServer({ noServer: true });
  wss.on('connection', (socket, request) => setupWSConnection(socket, request));
  const http: HttpServer = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('okay');
  });
  http.on('upgrade', (request, socket, head) => {
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}`,
    async stop() {
      for (const client of wss.clients) client.terminate();
      wss.close();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

/**
 * Without a data folder the relay keeps everything in memory. With a cluster, the data folder holds only
 * the relay key, shared by the relays of that cluster (they are one relay to clients).
 */
async function startEnclave(
  dataDir: string | undefined,
  admin: string,
  commitWindowMs = 0,
  cluster?: { storageUrl: string; redis: string },
): Promise<Running> {
  const { createRelay, jsonLogger } = await import('@enclave/relay');
  const relay = createRelay({
    dataDir,
    ...(cluster ? { storageUrl: cluster.storageUrl, redis: cluster.redis } : {}),
    admins: [admin],
    host: '127.0.0.1',
    port: 0,
    // Warnings and errors only (to the benchmark's stderr): a relay that drops its link to Redis or fails a
    // document says so, and the figures can be read with that in mind.
    logger: jsonLogger(undefined, 'warn'),
    commitWindowMs,
    // Every load-generator client connects from 127.0.0.1: the per-address limits, sized for a lab behind
    // one NAT address, would turn most of them away.
    limits: { handshakeBurstPerAddress: 100_000, unadmittedPerAddress: 100_000, unadmittedTotal: 100_000 },
  });
  const { url } = await relay.listen();
  return { url, stop: () => relay.close() };
}

async function startBareForwarder(): Promise<Running> {
  const { startForwarder } = await import('./forwarder.js');
  return startForwarder();
}

async function startHocuspocus(): Promise<Running> {
  const { Server: HocuspocusServer } = await import('@hocuspocus/server');
  const server = new HocuspocusServer({ port: 0, address: '127.0.0.1', quiet: true, stopOnSignals: false });
  await server.listen();
  return { url: `ws://127.0.0.1:${server.address.port}`, stop: () => server.destroy() };
}

async function main(): Promise<void> {
  const [kind, dataDir, admin, storageUrl, redis] = process.argv.slice(2) as [ServerKind, string, string, ...string[]];
  const cluster = storageUrl && redis ? { storageUrl, redis } : undefined;
  const running =
    kind === 'reference'
      ? await startReference()
      : isEnclave(kind)
        ? await startEnclave(
            kind === 'enclave-memory' ? undefined : dataDir,
            admin,
            kind === 'enclave-window' ? 1 : 0,
            cluster,
          )
        : kind === 'forwarder'
          ? await startBareForwarder()
          : await startHocuspocus();
  // The parent going away (crash, kill) must not leave this server behind.
  process.on('disconnect', () => process.exit(0));
  // Event-loop delay: how long this server left ready work waiting (stalls show up here).
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  loopDelay.enable();
  process.on('message', (message: ToServer) => {
    if (message.type === 'stats') {
      const cpu = process.cpuUsage();
      const loop = { loopDelayP99Ms: loopDelay.percentile(99) / 1e6, loopDelayMaxMs: loopDelay.max / 1e6 };
      loopDelay.reset();
      send({
        type: 'stats',
        ...loop,
        userUs: cpu.user,
        systemUs: cpu.system,
        maxRssBytes: process.resourceUsage().maxRSS * 1024,
        rssBytes: process.memoryUsage.rss(),
      });
    } else if (message.type === 'stop') {
      const deadline = setTimeout(() => process.exit(0), 10_000);
      void running
        .stop()
        .catch(() => undefined)
        .then(() => {
          clearTimeout(deadline);
          send({ type: 'stopped' });
          // Exit normally (not process.exit at once) so that --cpu-prof can write its profile.
          process.disconnect?.();
          setTimeout(() => process.exit(0), 2_000).unref();
        });
    }
  });
  send({ type: 'ready', url: running.url });
}

main().catch((error: unknown) => {
  send({ type: 'error', message: String((error as Error)?.stack ?? error) });
  process.exit(1);
});
