/**
 * Log lines for events strangers can cause at will (refused handshakes, connections over a limit). The
 * first `linesPerInterval` events of an interval are written in full; the rest are only counted, by kind,
 * and one summary line at the end of the interval says how many. A flood therefore writes at most
 * `linesPerInterval + 1` lines an interval, and the disk cannot be filled through the log.
 */
import type { Logger } from './logger.js';

export class SampledLog {
  private written = 0;
  /** Counts of events not written one by one, by kind. Kinds are a small fixed set (close codes, limits). */
  private readonly unwritten = new Map<string, number>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly logger: Logger,
    /** What the summary line counts, e.g. 'connections refused'. */
    private readonly what: string,
    private readonly linesPerInterval: number,
    private readonly intervalMs = 60_000,
  ) {}

  log(kind: string, message: string, fields: Record<string, unknown>): void {
    // The interval starts with its first event, so a quiet relay runs no timer.
    this.timer ??= setTimeout(() => this.summarize(), this.intervalMs).unref();
    if (this.written < this.linesPerInterval) {
      this.written++;
      this.logger.log('info', message, { kind, ...fields });
      return;
    }
    this.unwritten.set(kind, (this.unwritten.get(kind) ?? 0) + 1);
  }

  /** Writes the pending summary, if any, and stops the timer (at relay shutdown). */
  close(): void {
    this.summarize();
  }

  private summarize(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.unwritten.size > 0) {
      const counts = Object.fromEntries(this.unwritten);
      const total = [...this.unwritten.values()].reduce((sum, n) => sum + n, 0);
      this.logger.log('warn', `${this.what}: ${total} more, not logged one by one`, {
        notLogged: counts,
        loggedInFull: this.written,
        intervalSeconds: Math.round(this.intervalMs / 1000),
      });
    }
    this.written = 0;
    this.unwritten.clear();
  }
}
