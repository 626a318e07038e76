/**
 * Loads documents on demand, shares one RelayDocument among its peers, and lets idle ones leave memory
 * (persisted first) so a relay with many documents holds only those in use.
 */
import type { RelayMetrics } from '../observability/metrics.js';
import type { Logger } from '../observability/logger.js';
import type { DocumentRecord } from '../storage/storage.js';
import type { DocumentLoader, RelayDocument } from './relay-document.js';

export class DocumentRegistry {
  /** Loading or loaded, by `space/doc`; `loaded` holds the same once the load has finished. */
  private readonly live = new Map<string, Promise<RelayDocument>>();
  private readonly loaded = new Map<string, RelayDocument>();
  private readonly unloadTimers = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(
    private readonly load: DocumentLoader,
    private readonly context: { readonly metrics: RelayMetrics; readonly logger: Logger },
    private readonly idleUnloadMs: number,
  ) {}

  get loadedCount(): number {
    return this.live.size;
  }

  /** The live document, loading it from storage if it is not in memory. */
  open(space: string, record: DocumentRecord): Promise<RelayDocument> {
    const key = keyOf(space, record.name);
    clearTimeout(this.unloadTimers.get(key));
    this.unloadTimers.delete(key);
    let found = this.live.get(key);
    if (!found) {
      found = this.load(space, record);
      this.live.set(key, found);
      found.then(
        (document) => this.loaded.set(key, document),
        () => this.live.delete(key),
      );
      this.context.metrics.loadedDocuments.set(this.live.size);
    }
    return found;
  }

  /** Called when a peer left: an unused document is unloaded after the idle delay (at once if it failed). */
  release(document: RelayDocument): void {
    const key = keyOf(document.space, document.name);
    if (document.isFailed) {
      void this.unload(key, document);
      return;
    }
    if (document.peerCount > 0) return;
    clearTimeout(this.unloadTimers.get(key));
    const timer = setTimeout(() => {
      this.unloadTimers.delete(key);
      if (document.peerCount === 0) void this.unload(key, document);
    }, this.idleUnloadMs);
    timer.unref?.();
    this.unloadTimers.set(key, timer);
  }

  /** Stores and compacts every loaded document, then drops them all (shutdown). */
  async closeAll(): Promise<void> {
    for (const timer of this.unloadTimers.values()) clearTimeout(timer);
    this.unloadTimers.clear();
    await Promise.allSettled(this.live.values());
    await Promise.all([...this.loaded].map(([key, document]) => this.unload(key, document)));
  }

  private async unload(key: string, document: RelayDocument): Promise<void> {
    if (this.loaded.get(key) === document) {
      this.loaded.delete(key);
      this.live.delete(key);
    }
    this.context.metrics.loadedDocuments.set(this.live.size);
    try {
      if (!document.isFailed) await document.persist();
    } catch (error) {
      this.context.logger.log('error', 'storing a document on unload failed', { key, error: String(error) });
    } finally {
      document.destroy();
    }
  }
}

function keyOf(space: string, document: string): string {
  return `${space}/${document}`;
}
