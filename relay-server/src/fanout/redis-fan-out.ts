/**
 * Fan-out between relays through Redis pub/sub: one channel per loaded document, one for governance.
 *
 * Redis pub/sub delivers at most once: a message published while a subscriber is disconnected is gone.
 * So every message carries its publisher's source (relay instance and channel join) and a counter that
 * grows by one per message; a receiver that sees a source's counter jump, or whose own link to Redis
 * came back, tells the documents to catch up from storage (DocumentListener.missed), and re-checks the
 * access of its connections (onResync). A relay whose link came back also tells the others to do so
 * ('resync'), since what it published meanwhile may be lost too.
 *
 * Every message is sealed with an HMAC under the relays' shared key (fan-out-message.ts); what does not
 * verify is dropped before it is decoded, counted and logged (relays that do not share one relay key do
 * not hear each other).
 *
 * Messages from one Redis connection arrive in the order they were published, and a relay publishes
 * an update only after it heard what it builds on, so updates arrive after what they depend on.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from '../observability/logger.js';
import type { RelayMetrics } from '../observability/metrics.js';
import type { DocumentChannel, DocumentListener, FanOut, FanOutHealth, GovernanceSignal } from './fan-out.js';
import {
  decodeDocumentMessage,
  encodeDocumentMessage,
  FanOutKind,
  isFromSource,
  openFanOutMessage,
  sealFanOutMessage,
  sourcePrefix,
} from './fan-out-message.js';

export interface RedisFanOutOptions {
  /** redis://[user:password@]host:port[/db] */
  readonly url: string;
  /** Prefix of every channel and key, so that several clusters can share one Redis. */
  readonly prefix?: string;
  /** How often the link is checked (PING); three intervals without an answer and it is reopened. */
  readonly pingIntervalMs?: number;
  /** Authenticates messages between the relays (fanOutKey of the relay key they share). */
  readonly key: Buffer;
  readonly metrics: RelayMetrics;
  readonly logger: Logger;
}

/** A source's counter on one channel: a jump means a message of it was lost. */
class SourceCounters {
  private readonly last = new Map<string, number>();

  /** True when `counter` follows the last one seen from `source` (or is the first seen). */
  follows(source: string, counter: number): boolean {
    const last = this.last.get(source);
    this.last.set(source, counter);
    // Bounded by the relays publishing here; a relay that left and came back has a new source.
    if (this.last.size > 1000) this.last.clear();
    return last === undefined || counter === last + 1;
  }

  clear(): void {
    this.last.clear();
  }
}

interface Joined {
  /** The channel's name as bytes, for authenticating what is published on it. */
  readonly channel: Buffer;
  readonly listener: DocumentListener;
  readonly counters: SourceCounters;
  readonly source: string;
  sent: number;
}

export class RedisFanOut implements FanOut {
  readonly shared = true;
  private readonly instance = randomBytes(8).toString('hex');
  /** How this relay's own messages begin (after their tag): Redis echoes them back to it. */
  private readonly ownSource = sourcePrefix(`${this.instance}.`);
  private readonly prefix: string;
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly channels = new Map<string, Joined>();
  private readonly governanceChannel: string;
  private readonly governanceCounters = new SourceCounters();
  private governanceSent = 0;
  private joins = 0;
  private readonly signalHandlers = new Set<(signal: GovernanceSignal) => void>();
  private readonly resyncHandlers = new Set<() => void>();
  private readonly pinger: ReturnType<typeof setInterval>;
  /** When the ping now awaiting its answer was sent (one at a time). */
  private pingSentAt: number | undefined;
  private latencyMs: number | undefined;
  /** Links that were lost: their next 'ready' is a reconnection, after which what may be lost is re-read. */
  private readonly lost = new Set<Redis>();
  private closed = false;
  private readonly loggedAt = new Map<string, number>();

  private constructor(private readonly options: RedisFanOutOptions) {
    this.prefix = options.prefix ?? 'enclave:';
    this.governanceChannel = `${this.prefix}governance`;
    const common = {
      lazyConnect: true,
      connectTimeout: 2000,
      // Commands wait for the link to return (the offline queue) rather than fail at once.
      maxRetriesPerRequest: null,
      retryStrategy: (attempt: number) => Math.min(50 * attempt, 1000),
    };
    this.publisher = new Redis(options.url, {
      ...common,
      connectionName: `enclave-pub-${this.instance}`,
      // Every document publishes what it stored: the publishes of one event-loop turn leave in one write
      // (in order), rather than a system call and a Redis read each.
      enableAutoPipelining: true,
    });
    this.subscriber = new Redis(options.url, { ...common, connectionName: `enclave-sub-${this.instance}` });
    for (const connection of [this.publisher, this.subscriber]) {
      connection.on('error', (error: Error) => this.failed('connection', error));
      connection.on('close', () => {
        if (!this.closed) this.lost.add(connection);
      });
    }
    this.subscriber.on('messageBuffer', (channel: Buffer, message: Buffer) => this.received(channel, message));
    this.subscriber.on('ready', () => void this.subscriberBack());
    this.publisher.on('ready', () => this.publisherBack());
    const interval = options.pingIntervalMs ?? 1000;
    this.pinger = setInterval(() => this.ping(interval), interval);
    this.pinger.unref();
  }

  /** Connects both links and subscribes to governance; rejects if Redis cannot be reached at start. */
  static async connect(options: RedisFanOutOptions): Promise<RedisFanOut> {
    const fanOut = new RedisFanOut(options);
    try {
      await Promise.all([fanOut.publisher.connect(), fanOut.subscriber.connect()]);
      await fanOut.subscriber.subscribe(fanOut.governanceChannel);
    } catch (error) {
      await fanOut.close();
      throw new Error(`cannot reach Redis at ${redactedUrl(options.url)}: ${String(error)}`);
    }
    return fanOut;
  }

  async join(space: string, document: string, listener: DocumentListener): Promise<DocumentChannel> {
    const channel = `${this.prefix}doc:${space}/${document}`;
    const joined: Joined = {
      channel: Buffer.from(channel),
      listener,
      counters: new SourceCounters(),
      source: `${this.instance}.${++this.joins}`,
      sent: 0,
    };
    this.channels.set(channel, joined);
    // Down now (or lost while subscribing): subscribed when the link returns, and the reconnection makes
    // the document catch up; a document load never waits for Redis longer than this.
    const subscribed = this.subscriber.subscribe(channel);
    if (this.subscriber.status === 'ready') await withTimeout(subscribed, 2000).catch(() => undefined);
    else void subscribed.catch(() => undefined);
    const publish = (kind: FanOutKind, payload: Parameters<typeof encodeDocumentMessage>[3]): void => {
      if (this.channels.get(channel) !== joined) return;
      this.publish(channel, encodeDocumentMessage(joined.source, ++joined.sent, kind, payload), joined.channel);
    };
    // Subscribed (or trying): the others' answers reach this document's listener.
    publish(FanOutKind.PresenceQuery, {});
    return {
      publishStored: (updates) => publish(FanOutKind.StoredBatch, { updates }),
      publishCompacted: (seq, bytes) => publish(FanOutKind.Compacted, { seq, bytes }),
      publishPresence: (bytes) => publish(FanOutKind.Presence, { bytes }),
      leave: () => {
        if (this.channels.get(channel) !== joined) return;
        this.channels.delete(channel);
        if (!this.closed) void this.subscriber.unsubscribe(channel).catch(() => undefined);
      },
    };
  }

  announce(signal: GovernanceSignal): void {
    const message = JSON.stringify({ source: this.instance, counter: ++this.governanceSent, signal });
    this.publish(this.governanceChannel, Buffer.from(message));
  }

  onSignal(handler: (signal: GovernanceSignal) => void): void {
    this.signalHandlers.add(handler);
  }

  /** Called after the link to the other relays may have lost governance: re-check connections against storage. */
  onResync(handler: () => void): void {
    this.resyncHandlers.add(handler);
  }

  async exclusive(key: string, task: () => Promise<void>): Promise<boolean> {
    const lock = `${this.prefix}lock:${key}`;
    const token = randomBytes(8).toString('hex');
    let held: boolean;
    try {
      held = (await withTimeout(this.publisher.set(lock, token, 'PX', 60_000, 'NX'), 1000)) === 'OK';
    } catch (error) {
      // Without Redis the lock cannot be had; storage's compare-and-set still keeps the work safe.
      this.failed('lock', error);
      held = true;
    }
    if (!held) return false;
    try {
      await task();
    } finally {
      const release = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0";
      void this.publisher.eval(release, 1, lock, token).catch(() => undefined);
    }
    return true;
  }

  async count(key: string, windowMs: number): Promise<number | undefined> {
    // A fixed window per key: INCR, and the key expires with its window.
    const counter = `${this.prefix}count:${key}:${Math.floor(Date.now() / windowMs)}`;
    try {
      const [[incrError, count]] = (await withTimeout(
        this.publisher.multi().incr(counter).pexpire(counter, windowMs).exec(),
        1000,
      )) as [[Error | null, number]];
      if (incrError) throw incrError;
      return count;
    } catch (error) {
      this.failed('count', error);
      return undefined;
    }
  }

  health(): FanOutHealth {
    const up = this.publisher.status === 'ready' && this.subscriber.status === 'ready';
    return this.latencyMs === undefined
      ? { state: up ? 'up' : 'down' }
      : { state: up ? 'up' : 'down', latencyMs: this.latencyMs };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.pinger);
    this.channels.clear();
    // A link that does not answer must not hold the relay's shutdown: QUIT politely, briefly.
    await Promise.allSettled([withTimeout(this.publisher.quit(), 500), withTimeout(this.subscriber.quit(), 500)]);
    this.publisher.disconnect();
    this.subscriber.disconnect();
  }

  private publish(channel: string, body: Uint8Array, channelBytes: string | Buffer = channel): void {
    if (this.closed) return;
    // Not queued while the link is down: stale messages would arrive in a burst after it returns, when
    // the 'resync' this relay sends then makes everyone read storage anyway.
    if (this.publisher.status !== 'ready') {
      this.options.metrics.fanOutErrors.inc({ kind: 'publish-while-down' });
      return;
    }
    this.publisher
      .publish(channel, sealFanOutMessage(this.options.key, channelBytes, body))
      .catch((error: unknown) => this.failed('publish', error));
  }

  private received(channelBytes: Buffer, message: Buffer): void {
    // Our own, echoed back by Redis (1/N of what arrives): dropped before anything is verified or decoded.
    if (isFromSource(message, this.ownSource)) return;
    const channel = channelBytes.toString();
    const joined = channel === this.governanceChannel ? undefined : this.channels.get(channel);
    if (!joined && channel !== this.governanceChannel) return; // left meanwhile
    const body = openFanOutMessage(this.options.key, channelBytes, message);
    if (!body) {
      // Not from a relay of this service (or from one with another relay key): nothing of it is used.
      this.failed(
        'unauthenticated',
        new Error(`a message on ${channel} did not verify; do the relays share one relay key?`),
      );
      return;
    }
    try {
      if (joined) this.receivedDocumentMessage(joined, body);
      else this.receivedSignal(body);
    } catch (error) {
      // Authenticated, yet it does not decode (another version?): dropped, never thrown.
      this.failed('message', error);
    }
  }

  private receivedDocumentMessage(joined: Joined, body: Buffer): void {
    const { source, counter, kind, updates, seq, bytes } = decodeDocumentMessage(body);
    const complete = joined.counters.follows(source, counter);
    const metrics = this.options.metrics;
    switch (kind) {
      case FanOutKind.Stored:
      case FanOutKind.StoredBatch:
        metrics.fanOutReceived.inc({ kind: 'stored' }, updates.length);
        if (updates.length > 0) joined.listener.stored(updates);
        break;
      case FanOutKind.Compacted:
        metrics.fanOutReceived.inc({ kind: 'compacted' });
        joined.listener.compacted(seq, bytes);
        break;
      case FanOutKind.Presence:
        metrics.fanOutReceived.inc({ kind: 'presence' });
        joined.listener.presence(bytes);
        break;
      case FanOutKind.PresenceQuery:
        joined.listener.presenceWanted();
        break;
      case FanOutKind.Resync:
        metrics.catchUps.inc({ cause: 'peer-reconnected' });
        joined.listener.missed();
        return;
    }
    if (!complete) {
      metrics.catchUps.inc({ cause: 'gap' });
      joined.listener.missed();
    }
  }

  private receivedSignal(body: Buffer): void {
    const parsed = JSON.parse(body.toString()) as { source: string; counter: number; signal?: GovernanceSignal };
    if (parsed.source === this.instance) return;
    const complete = this.governanceCounters.follows(parsed.source, parsed.counter);
    if (parsed.signal) for (const handler of this.signalHandlers) handler(parsed.signal);
    else this.resync(); // a relay's link came back: what it announced meanwhile may be lost
    if (!complete) this.resync();
  }

  /**
   * The subscriber link is back (ioredis has re-sent the subscriptions): once Redis has answered after them,
   * every message published from then on reaches us, so what storage has now covers the rest.
   */
  private async subscriberBack(): Promise<void> {
    if (!this.lost.delete(this.subscriber) || this.closed) return;
    try {
      await this.subscriber.ping();
    } catch {
      return; // lost again: the next 'ready' catches up
    }
    this.options.logger.log('info', 'fan-out link to Redis restored; catching up from storage', {
      documents: this.channels.size,
    });
    this.governanceCounters.clear();
    for (const joined of this.channels.values()) {
      joined.counters.clear();
      this.options.metrics.catchUps.inc({ cause: 'reconnected' });
      joined.listener.missed();
    }
    this.resync();
  }

  /** The publishing link is back: the others may have lost what this relay published while it was down. */
  private publisherBack(): void {
    if (!this.lost.delete(this.publisher) || this.closed) return;
    for (const [channel, joined] of this.channels) {
      this.publish(channel, encodeDocumentMessage(joined.source, ++joined.sent, FanOutKind.Resync), joined.channel);
    }
    const marker = { source: this.instance, counter: ++this.governanceSent };
    this.publish(this.governanceChannel, Buffer.from(JSON.stringify(marker)));
  }

  private resync(): void {
    for (const handler of this.resyncHandlers) handler();
  }

  /**
   * A link that stops answering is reopened, so a silent outage ends in a reconnection and a catch-up.
   * Silence is a ping unanswered for three intervals, looked at once this turn's input has been read: a
   * relay whose own event loop fell behind (a busy machine) has not sent pings, or has not yet read the
   * answer, and must not mistake that for Redis gone (reopening costs every document a read of storage).
   */
  private ping(intervalMs: number): void {
    if (this.closed) return;
    const sentAt = this.pingSentAt;
    if (sentAt !== undefined) {
      if (performance.now() - sentAt > 3 * intervalMs) setImmediate(() => this.reopenIfSilent(sentAt, intervalMs));
      return;
    }
    const started = performance.now();
    this.pingSentAt = started;
    const answered = (): void => {
      if (this.pingSentAt === started) this.pingSentAt = undefined;
    };
    this.publisher.ping().then(() => {
      answered();
      this.latencyMs = performance.now() - started;
      this.options.metrics.fanOutLatency.set(this.latencyMs / 1000);
    }, answered);
  }

  private reopenIfSilent(sentAt: number, intervalMs: number): void {
    if (this.closed || this.pingSentAt !== sentAt || this.publisher.status !== 'ready') return;
    this.failed('ping', new Error(`no answer from Redis for ${3 * intervalMs} ms`));
    this.pingSentAt = undefined;
    this.lost.add(this.publisher).add(this.subscriber);
    this.publisher.disconnect(true);
    this.subscriber.disconnect(true);
  }

  private failed(kind: string, error: unknown): void {
    this.options.metrics.fanOutErrors.inc({ kind });
    // While Redis is away every reconnection attempt fails: a line per kind every 10 s is enough.
    const now = performance.now();
    if (now - (this.loggedAt.get(kind) ?? -Infinity) < 10_000) return;
    this.loggedAt.set(kind, now);
    this.options.logger.log('warn', 'fan-out (Redis) error', { kind, error: String(error) });
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

/** The URL without its password, for messages. */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'redis://?';
  }
}
