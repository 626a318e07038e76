/**
 * Storage as the relay uses it: every call timed and every failure counted in the relay's metrics, and the
 * engine's state (ok or down) for /healthz. A wrapper, so that no engine carries metrics code.
 */
import type { Storage } from '../storage/storage.js';
import { StorageUnavailable } from '../storage/storage.js';
import type { RelayMetrics } from './metrics.js';

export type StorageState = 'ok' | 'down';

/** How long /healthz waits for the engine to answer before calling it down. */
const PING_TIMEOUT_MS = 2_000;

export interface MeteredStorage {
  readonly storage: Storage;
  /** Asks the engine to answer (bounded in time) and records the outcome in enclave_storage_up. */
  check(): Promise<StorageState>;
}

export function meterStorage(inner: Storage, metrics: RelayMetrics): MeteredStorage {
  const timed = new Map<PropertyKey, unknown>();
  const storage = new Proxy(inner, {
    get(target, property) {
      const value = Reflect.get(target, property, target) as unknown;
      if (typeof value !== 'function' || property === 'close' || property === 'ping') return value;
      let wrapped = timed.get(property);
      if (!wrapped) {
        const operation = String(property);
        const seconds = metrics.storageSeconds.labels(operation);
        wrapped = (...args: unknown[]): unknown => {
          const started = performance.now();
          const failed = (error: unknown): never => {
            const kind = error instanceof StorageUnavailable ? 'unavailable' : 'other';
            metrics.storageErrors.inc({ operation, kind });
            throw error;
          };
          let result: unknown;
          try {
            result = (value as (...a: unknown[]) => unknown).apply(target, args);
          } catch (error) {
            return failed(error);
          }
          if (!(result instanceof Promise)) return result;
          return result.then((resolved: unknown) => {
            seconds.observe((performance.now() - started) / 1000);
            return resolved;
          }, failed);
        };
        timed.set(property, wrapped);
      }
      return wrapped;
    },
  });
  const up = metrics.storageUp.labels(inner.engine);
  return {
    storage,
    async check() {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('no answer')), PING_TIMEOUT_MS);
      });
      try {
        await Promise.race([inner.ping(), timeout]);
        up.set(1);
        return 'ok';
      } catch {
        up.set(0);
        return 'down';
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
