/**
 * Prometheus metrics for one relay instance. Each relay has its own registry (no module-level state), so
 * many relays can run in one process, as the tests do.
 */
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';

export class RelayMetrics {
  readonly registry = new Registry();
  readonly connections = new Gauge({
    name: 'enclave_connections',
    help: 'Open WebSocket connections, by state',
    labelNames: ['state'] as const,
    registers: [this.registry],
  });
  readonly loadedDocuments = new Gauge({
    name: 'enclave_loaded_documents',
    help: 'Documents held in memory',
    registers: [this.registry],
  });
  readonly handshakes = new Counter({
    name: 'enclave_handshakes_total',
    help: 'Completed handshakes, by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly framesReceived = new Counter({
    name: 'enclave_frames_received_total',
    help: 'Frames received from clients, by kind',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly bytesReceived = new Counter({
    name: 'enclave_received_bytes_total',
    help: 'Bytes received from clients',
    registers: [this.registry],
  });
  readonly updatesStored = new Counter({
    name: 'enclave_updates_stored_total',
    help: 'Document updates durably stored',
    registers: [this.registry],
  });
  readonly updatesDropped = new Counter({
    name: 'enclave_updates_dropped_total',
    help: 'Document updates refused, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly compactions = new Counter({
    name: 'enclave_compactions_total',
    help: 'Document compactions into snapshots',
    registers: [this.registry],
  });
  readonly closes = new Counter({
    name: 'enclave_connection_closes_total',
    help: 'Connections closed, by close code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });

  /** Label children bound once: the per-frame path must not hash label sets. */
  readonly frames = {
    sync: this.framesReceived.labels('sync'),
    awareness: this.framesReceived.labels('awareness'),
    control: this.framesReceived.labels('control'),
  };

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'enclave_' });
  }
}
