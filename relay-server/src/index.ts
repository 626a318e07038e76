/** @enclave/relay: the relay as a library (createRelay) and its storage engines. */
export { createRelay, DATABASE_FILE, type Relay } from './relay.js';
export { DEFAULT_LIMITS, type RelayLimits, type RelayOptions } from './config.js';
export type { Storage, SpaceRecord, MemberRecord, DocumentRecord, StoredDocumentState } from './storage/storage.js';
export {
  LastLeadError,
  REFUSAL_OVERFLOW_REASON,
  StorageConflict,
  StorageNotFound,
  StorageUnavailable,
} from './storage/storage.js';
export { SqliteStorage } from './storage/sqlite-storage.js';
export { MemoryStorage } from './storage/memory-storage.js';
export { PostgresStorage, type PostgresStorageOptions } from './storage/postgres-storage.js';
export { jsonLogger, silentLogger, type Logger, type LogLevel } from './observability/logger.js';
export type { FanOut, DocumentChannel, DocumentListener, GovernanceSignal } from './fanout/fan-out.js';
export { RedisFanOut } from './fanout/redis-fan-out.js';
export { encodeDocumentMessage, fanOutKey, FanOutKind, sealFanOutMessage } from './fanout/fan-out-message.js';
