/**
 * Notices a relay that cannot be reached or has gone quiet, from the client's side. Browsers can neither send
 * nor see WebSocket pings, so this works with application frames: until the relay admits the client (welcome,
 * or access-pending) the exchange must finish within `connectTimeoutMs`; after that, if the relay's challenge
 * offered a heartbeat, a `ping` goes out whenever the relay has been quiet for `heartbeatMs`, and the relay
 * counts as gone when nothing at all arrived for `deadAfterMs`.
 */
export interface KeepAliveOptions {
  /** From opening the socket to the welcome (or access-pending). */
  readonly connectTimeoutMs: number;
  /** Ping after this long without a frame from the relay (the relay's own offer, if shorter, wins). */
  readonly heartbeatMs: number;
  /** Give up after this long without any frame: about two unanswered pings. */
  readonly deadAfterMs: number;
}

export const DEFAULT_KEEP_ALIVE: KeepAliveOptions = {
  connectTimeoutMs: 8_000,
  heartbeatMs: 10_000,
  deadAfterMs: 25_000,
};

export interface RelayWatchHooks {
  readonly ping: () => void;
  /** The relay is presumed gone; `reason` says what did not arrive in time. */
  readonly silent: (reason: string) => void;
  readonly now?: () => number;
}

const duration = (ms: number): string => (ms < 1_000 ? `${Math.round(ms)} ms` : `${Math.round(ms / 100) / 10} s`);

export class RelayWatch {
  private awaiting: 'challenge' | 'welcome' | undefined = 'challenge';
  private relayHeartbeatMs: number | undefined;
  private lastFrame: number;
  private lastPing = -Infinity;
  private deadline: ReturnType<typeof setTimeout> | undefined;
  private ticker: ReturnType<typeof setInterval> | undefined;
  private readonly now: () => number;

  constructor(
    private readonly options: KeepAliveOptions,
    private readonly hooks: RelayWatchHooks,
  ) {
    this.now = hooks.now ?? Date.now;
    this.lastFrame = this.now();
    this.deadline = setTimeout(() => {
      this.stop();
      hooks.silent(`no ${this.awaiting ?? 'answer'} within ${duration(options.connectTimeoutMs)}`);
    }, options.connectTimeoutMs);
  }

  /** Any frame from the relay is a sign of life. */
  received(): void {
    this.lastFrame = this.now();
  }

  /** The challenge arrived; `heartbeatMs` is the relay's offer (absent from relays that do not answer pings). */
  challenged(heartbeatMs: number | undefined): void {
    if (this.awaiting === 'challenge') this.awaiting = 'welcome';
    this.relayHeartbeatMs = heartbeatMs;
  }

  /** Admitted (or the access request acknowledged): from here on the heartbeat, if the relay offered one. */
  admitted(): void {
    if (this.awaiting === undefined) return;
    this.awaiting = undefined;
    clearTimeout(this.deadline);
    this.deadline = undefined;
    if (this.relayHeartbeatMs === undefined) return;
    const pingAfter = Math.min(this.options.heartbeatMs, this.relayHeartbeatMs);
    // Tick often enough that neither a ping nor the verdict is late by more than a fraction of its period.
    const tick = Math.max(10, Math.min(pingAfter, this.options.deadAfterMs) / 4);
    this.ticker = setInterval(() => this.check(pingAfter), tick);
  }

  stop(): void {
    clearTimeout(this.deadline);
    clearInterval(this.ticker);
    this.deadline = this.ticker = undefined;
  }

  private check(pingAfter: number): void {
    const now = this.now();
    const quiet = now - this.lastFrame;
    if (quiet >= this.options.deadAfterMs) {
      this.stop();
      this.hooks.silent(`no answer to pings for ${duration(quiet)}`);
      return;
    }
    if (quiet >= pingAfter && now - this.lastPing >= pingAfter) {
      this.lastPing = now;
      this.hooks.ping();
    }
  }
}
