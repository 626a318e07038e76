/**
 * The relay's plain HTTP routes: health and metrics. Neither reveals a space, document or member.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StorageState } from '../observability/metered-storage.js';
import type { FanOutHealth } from '../fanout/fan-out.js';
import type { RelayMetrics } from '../observability/metrics.js';

export interface HealthSource {
  readonly relayId: string;
  readonly connections: number;
  readonly loadedDocuments: number;
  readonly shuttingDown: boolean;
  /** The storage engine and whether it answers now. */
  readonly storage: { readonly engine: string; readonly state: StorageState };
  /** The link to the other relays: 'local' when alone; 'down' makes the status 'degraded'. */
  readonly fanOut: FanOutHealth;
}

export function handleHttp(
  request: IncomingMessage,
  response: ServerResponse,
  metrics: RelayMetrics,
  health: () => Promise<HealthSource>,
): void {
  const path = (request.url ?? '/').split('?')[0];
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  if (path === '/healthz') {
    // A relay that cannot store is not healthy: it refuses edits until its storage answers again. Without
    // Redis it still stores and serves its own peers: degraded, not down (were it 503, a Redis outage would
    // take every relay out of a load balancer at once).
    health().then(
      (state) => {
        const status = state.shuttingDown
          ? 'shutting-down'
          : state.storage.state === 'down'
            ? 'storage-down'
            : state.fanOut.state === 'down'
              ? 'degraded'
              : 'ok';
        const healthy = status === 'ok' || status === 'degraded';
        response
          .writeHead(healthy ? 200 : 503, { 'content-type': 'application/json' })
          .end(JSON.stringify({ status, ...state }));
      },
      () => response.writeHead(500).end(),
    );
    return;
  }
  if (path === '/metrics') {
    metrics.registry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
      () => response.writeHead(500).end(),
    );
    return;
  }
  response
    .writeHead(426, { 'content-type': 'text/plain', upgrade: 'websocket' })
    .end('Enclave relay: connect with an Enclave client (WebSocket); see /healthz and /metrics\n');
}
