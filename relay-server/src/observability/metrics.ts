/**
 * Prometheus metrics for one relay instance. Each relay has its own registry (no module-level state), so
 * many relays can run in one process, as the tests do.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Counts taken on every frame. They are plain numbers handed to prom-client only when /metrics is read:
 * prom-client's inc() validates and hashes labels each time, which showed in the relay's CPU profile.
 */
export interface HotCounts {
  syncFrames: number;
  awarenessFrames: number;
  controlFrames: number;
  bytesReceived: number;
  updatesStored: number;
}

export class RelayMetrics {
  readonly registry = new Registry();
  readonly hot: HotCounts = { syncFrames: 0, awarenessFrames: 0, controlFrames: 0, bytesReceived: 0, updatesStored: 0 };
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
  readonly framesReceived = hotCounter(this, 'enclave_frames_received_total', 'Frames received from clients, by kind', {
    sync: (hot) => hot.syncFrames,
    awareness: (hot) => hot.awarenessFrames,
    control: (hot) => hot.controlFrames,
  });
  readonly bytesReceived = hotCounter(this, 'enclave_received_bytes_total', 'Bytes received from clients', {
    '': (hot) => hot.bytesReceived,
  });
  readonly updatesStored = hotCounter(this, 'enclave_updates_stored_total', 'Document updates durably stored', {
    '': (hot) => hot.updatesStored,
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
  readonly compactionsRefused = new Counter({
    name: 'enclave_compactions_refused_total',
    help: 'Compactions not written because the snapshot would not load again',
    registers: [this.registry],
  });
  readonly setAside = new Counter({
    name: 'enclave_stored_parts_set_aside_total',
    help: 'Stored snapshots and updates a document was loaded without (kept for inspection), by kind',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly admissionLimited = new Counter({
    name: 'enclave_admission_limited_total',
    help: 'New connections refused at the upgrade by an admission limit, by limit',
    labelNames: ['limit'] as const,
    registers: [this.registry],
  });
  readonly unadmitted = new Gauge({
    name: 'enclave_unadmitted_connections',
    help: 'Connections open and not yet admitted (handshake or access request pending)',
    registers: [this.registry],
  });
  readonly trackedAddresses = new Gauge({
    name: 'enclave_admission_tracked_addresses',
    help: 'Client addresses the admission limits remember',
    registers: [this.registry],
  });
  readonly refusalsAudited = new Counter({
    name: 'enclave_refusals_audited_total',
    help: "Refused handshakes counted in a space's audit log, by entry: own (key and reason) or overflow",
    labelNames: ['entry'] as const,
    registers: [this.registry],
  });
  readonly closes = new Counter({
    name: 'enclave_connection_closes_total',
    help: 'Connections closed, by close code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  readonly fanOutLatency = new Gauge({
    name: 'enclave_fanout_broker_latency_seconds',
    help: 'Latest round trip to the fan-out broker (Redis); absent on a relay alone on its storage',
    registers: [this.registry],
  });
  readonly fanOutErrors = new Counter({
    name: 'enclave_fanout_errors_total',
    help: 'Fan-out broker (Redis) failures, by kind: connection, ping, publish, lock',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly fanOutReceived = new Counter({
    name: 'enclave_fanout_received_total',
    help: 'Messages received from other relays, by kind',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly catchUps = new Counter({
    name: 'enclave_fanout_catch_ups_total',
    help: 'Documents re-read from storage because the fan-out may have lost something, by cause',
    labelNames: ['cause'] as const,
    registers: [this.registry],
  });

  readonly storageSeconds = new Histogram({
    name: 'enclave_storage_operation_seconds',
    help: 'Time successful storage calls take, by operation (appendUpdates: one per batch of edits a document stores together)',
    labelNames: ['operation'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });
  readonly storageErrors = new Counter({
    name: 'enclave_storage_errors_total',
    help: 'Storage calls that failed, by operation and kind (unavailable: the engine could not be reached)',
    labelNames: ['operation', 'kind'] as const,
    registers: [this.registry],
  });
  readonly storageUp = new Gauge({
    name: 'enclave_storage_up',
    help: 'Whether the storage engine answered its last health check (/healthz): 1 or 0, by engine',
    labelNames: ['engine'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'enclave_' });
  }
}

/** A counter read from HotCounts at scrape time; `kinds` maps each `kind` label ('' for none) to its count. */
function hotCounter(
  metrics: RelayMetrics,
  name: string,
  help: string,
  kinds: Record<string, (hot: HotCounts) => number>,
): Counter {
  const labelled = !('' in kinds);
  return new Counter({
    name,
    help,
    labelNames: labelled ? ['kind'] : [],
    registers: [metrics.registry],
    collect(this: Counter) {
      this.reset();
      for (const [kind, read] of Object.entries(kinds)) {
        if (labelled) this.inc({ kind }, read(metrics.hot));
        else this.inc(read(metrics.hot));
      }
    },
  });
}
