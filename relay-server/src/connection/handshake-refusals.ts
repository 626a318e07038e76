/**
 * What a refused handshake leaves behind, bounded whatever strangers do: a metric, a sampled log line
 * (SampledLog) and a count in the space's audit log (Storage.recordRefusal, which caps the entries per
 * window). Spaces that do not exist get nothing stored, so a refusal there looks the same to the client.
 */
import type { PublicKeyText } from '@enclave/shared';
import type { RelayMetrics } from '../observability/metrics.js';
import type { SampledLog } from '../observability/sampled-log.js';
import { REFUSAL_OVERFLOW_REASON, type RefusalAggregation, type Storage } from '../storage/storage.js';

export interface HandshakeRefusal {
  readonly space: string;
  readonly room: string;
  /** The close code the client gets. */
  readonly code: number;
  /** Why, for the log and the audit (the client may be told less). */
  readonly reason: string;
  /** The key the client claimed, or null. */
  readonly actor: PublicKeyText | null;
  /** The client's address as the admission limits count it. */
  readonly address: string;
  /** False when the refusal already knows the space does not exist: then storage is not asked. */
  readonly spaceExists?: boolean;
}

export class HandshakeRefusals {
  constructor(
    private readonly storage: Storage,
    private readonly metrics: RelayMetrics,
    private readonly log: SampledLog,
    private readonly aggregation: RefusalAggregation,
  ) {}

  record(refusal: HandshakeRefusal): void {
    const { space, room, code, reason, actor, address } = refusal;
    this.metrics.handshakes.inc({ outcome: `refused-${code}` });
    this.log.log(`refused-${code}`, 'handshake refused', { room, code, reason, key: actor, address });
    if (refusal.spaceExists === false) return;
    this.storage.recordRefusal(space, { actor, room, reason, time: new Date().toISOString() }, this.aggregation).then(
      (entry) => {
        if (entry)
          this.metrics.refusalsAudited.inc({ entry: entry.reason === REFUSAL_OVERFLOW_REASON ? 'overflow' : 'own' });
      },
      (error: unknown) => this.log.log('audit-failed', 'refusal audit write failed', { space, error: String(error) }),
    );
  }
}
