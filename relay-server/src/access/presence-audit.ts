/**
 * 'joined' and 'left' in the audit log, without a pair for every short command. Only document channels are
 * recorded (a space channel carries requests, and each request that changes something is audited itself).
 * A document channel open at least `longAfterMs` gets 'joined' (timed at admission) and later 'left'; one
 * closed sooner, such as `enclave pull`, gets a single 'joined' entry saying how long it stayed. The 'joined'
 * entry is therefore written up to `longAfterMs` late, and lost if the relay dies within that time.
 */
import type { PublicKeyText } from '@enclave/shared';
import type { NewAuditEntry } from '../storage/storage.js';

export type AuditWriter = (entry: NewAuditEntry) => Promise<void>;

export class PresenceAudit {
  private readonly admittedAt = new Date();
  private readonly timer: ReturnType<typeof setTimeout>;
  private joinedWritten = false;
  private ended = false;

  constructor(
    private readonly write: AuditWriter,
    private readonly actor: PublicKeyText,
    private readonly room: string,
    longAfterMs: number,
  ) {
    this.timer = setTimeout(() => {
      this.joinedWritten = true;
      void this.write({ event: 'joined', actor, room, time: this.admittedAt.toISOString() });
    }, longAfterMs);
    this.timer.unref?.();
  }

  /** The channel closed with `code`. */
  close(code: number): void {
    if (this.ended) return;
    this.ended = true;
    clearTimeout(this.timer);
    const seconds = Math.round((Date.now() - this.admittedAt.getTime()) / 1000);
    const closed = `closed with ${code} after ${seconds} s`;
    if (this.joinedWritten) {
      void this.write({ event: 'left', actor: this.actor, room: this.room, reason: closed });
    } else {
      void this.write({
        event: 'joined',
        actor: this.actor,
        room: this.room,
        time: this.admittedAt.toISOString(),
        reason: `briefly: ${closed}`,
      });
    }
  }
}
