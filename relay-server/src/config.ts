/**
 * Relay options and their defaults, in one place.
 */
import type { Identity } from '@enclave/shared';
import type { HeldLimits } from './documents/held-updates.js';
import type { Logger } from './observability/logger.js';
import type { Storage } from './storage/storage.js';

export interface RelayLimits {
  /** Largest accepted frame; larger ones close the connection with CloseCode.FrameTooLarge. */
  readonly maxFrameBytes: number;
  /** Sustained messages per second per connection, and the burst allowed above it. */
  readonly messagesPerSecond: number;
  readonly messageBurst: number;
  /** Time a client has to answer the challenge. */
  readonly handshakeTimeoutMs: number;
  /** How long a non-member's connection waits for a lead to answer its access request. */
  readonly accessRequestWaitMs: number;
  /**
   * New connections per client address (IPv6: per /64): a burst, then a sustained rate per second. Past it
   * the upgrade is answered 429 before any WebSocket exists.
   */
  readonly handshakeBurstPerAddress: number;
  readonly handshakesPerSecondPerAddress: number;
  /** Refused handshakes per address: a burst, then per second. Past it new connections get 429. */
  readonly refusalBurstPerAddress: number;
  readonly refusalsPerSecondPerAddress: number;
  /** Connections open but not admitted (handshake, access request pending): per address (429) and in all (503). */
  readonly unadmittedPerAddress: number;
  readonly unadmittedTotal: number;
  /** Refusals at a space are counted in audit entries per (key, reason) and window of this length. */
  readonly refusalAuditWindowMs: number;
  /** Distinct refusal entries per space and window; refusals past it are counted in one more entry. */
  readonly refusalAuditEntriesPerWindow: number;
  /** Refusal log lines written in full per minute; past it one summary line a minute counts the rest. */
  readonly refusalLogLinesPerMinute: number;
  /**
   * A document channel open this long is audited as 'joined' and 'left'; a shorter one (a CLI command) as
   * one 'joined' entry saying how long it stayed (access/presence-audit.ts).
   */
  readonly presenceAuditAfterMs: number;
  /** Directory reads one key, and one address, may make at once, and per minute sustained. */
  readonly directoryReadBurst: number;
  readonly directoryReadsPerMinute: number;
  /**
   * How long a directory connection stays open. Any key is admitted there, so a visit is short: reading is
   * one request, and holding many connections open costs a visitor a new handshake (admission limits) each.
   */
  readonly directoryVisitMs: number;
}

export const DEFAULT_LIMITS: RelayLimits = {
  // The largest fixture notebook is 3.9 MB as .ipynb and about 2 MB as one Yjs update; leave room.
  maxFrameBytes: 32 * 1024 * 1024,
  messagesPerSecond: 200,
  messageBurst: 1000,
  handshakeTimeoutMs: 10_000,
  accessRequestWaitMs: 15 * 60_000,
  // A lab behind one NAT address: 60 people with a space and a few documents open each, all reconnecting
  // at once after a relay restart, stay within the burst.
  handshakeBurstPerAddress: 300,
  handshakesPerSecondPerAddress: 5,
  // Members are not refused; a few wrong keys or expired invites in a row are normal, a stream is not.
  refusalBurstPerAddress: 60,
  refusalsPerSecondPerAddress: 1,
  // Handshakes take milliseconds; the long unadmitted waits are access requests (at most 15 minutes).
  unadmittedPerAddress: 100,
  unadmittedTotal: 1000,
  refusalAuditWindowMs: 3_600_000,
  refusalAuditEntriesPerWindow: 50,
  refusalLogLinesPerMinute: 20,
  presenceAuditAfterMs: 30_000,
  // Someone browsing reads the directory a few times a minute at most; a scraper reads it in a loop.
  directoryReadBurst: 10,
  directoryReadsPerMinute: 6,
  directoryVisitMs: 30_000,
};

export interface KeepAliveOptions {
  /** How often the relay pings each connection; offered to clients in the challenge as their heartbeat. */
  readonly intervalMs: number;
  /** Silence (no pong, no frame) after which a connection is closed: about two missed intervals. */
  readonly timeoutMs: number;
}

export const DEFAULT_KEEP_ALIVE: KeepAliveOptions = { intervalMs: 15_000, timeoutMs: 35_000 };

export interface RelayOptions {
  /** Folder for the SQLite database and the relay's own key; in-memory storage when omitted. */
  readonly dataDir?: string;
  /**
   * A storage to use instead of the one in dataDir (PostgreSQL, tests, several relays in one process).
   * The relay does not close it: its owner does, after every relay using it has closed.
   */
  readonly storage?: Storage;
  /**
   * A PostgreSQL URL (postgres://user@host:port/database): store everything there instead of SQLite in
   * dataDir, so several relays can share it. dataDir then holds only the relay's own key.
   */
  readonly storageUrl?: string;
  /** The relay's own key pair; loaded from or created in dataDir, or ephemeral. */
  readonly relayIdentity?: Identity;
  /** Public keys that may create spaces. */
  readonly admins: readonly string[];
  /**
   * The addresses clients are given for this service (ws:// or wss://, first one first): every relay of a
   * cluster, or the names behind a proxy. Invite links carry them all; none: the address the lead used.
   */
  readonly publicUrls?: readonly string[];
  /** The directory of listed spaces (default on); false switches it off: nothing is listed or shown. */
  readonly directory?: boolean;
  readonly host?: string;
  /** 0 picks a free port. */
  readonly port?: number;
  /** PEM certificate and key: serve wss:// and https://. */
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer };
  readonly limits?: Partial<RelayLimits>;
  /** WebSocket pings and the silence that closes a connection (defaults: DEFAULT_KEEP_ALIVE). */
  readonly keepAlive?: Partial<KeepAliveOptions>;
  /** How long a document with no connections stays in memory. */
  readonly idleUnloadMs?: number;
  /**
   * Stored updates after which a document is compacted into a snapshot: at its first pause of
   * `compactPauseMs` without edits, or at once when twice as many have been stored.
   */
  readonly compactAfterUpdates?: number;
  /**
   * Longest time (ms) an update waits to share its SQLite commit with others. 0 (the default) commits once
   * per event-loop turn that carries updates, adding no latency; a window saves CPU on a busy relay but is
   * added to every edit's fan-out latency. Only for the SQLite storage in `dataDir`.
   */
  readonly commitWindowMs?: number;
  /** The pause in editing (ms) that a document past `compactAfterUpdates` is compacted in. */
  readonly compactPauseMs?: number;
  /**
   * An open document with updates outside its snapshot is compacted once it has had no edit for this long
   * (ms), and at the latest 10 times this long after its first such update. Storage that logs all
   * documents' updates together (SQLite's journal) can only drop what every document has folded in, so a
   * document that stays open must not hold the log's front for ever; waiting for a quiet moment keeps
   * compaction (a snapshot of the whole document) away from documents being edited.
   */
  readonly compactAfterMs?: number;
  /** Bounds on updates held for missing dependencies, per connection (documents/held-updates.ts). */
  readonly heldLimits?: Partial<HeldLimits>;
  /**
   * redis://… : this relay is one of several on the same storage, with Redis between them (fanout/).
   * Without it the relay is alone on its storage, as before.
   */
  readonly redis?: string;
  /** Prefix of the Redis channels and keys (default 'enclave:'), so that clusters can share one Redis. */
  readonly redisPrefix?: string;
  readonly logger?: Logger;
}

export const DEFAULT_IDLE_UNLOAD_MS = 30_000;
export const DEFAULT_COMPACT_AFTER_UPDATES = 5_000;
export const DEFAULT_COMPACT_AFTER_MS = 60_000;
export const DEFAULT_COMPACT_PAUSE_MS = 1_000;
