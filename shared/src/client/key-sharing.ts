/**
 * A lead's client shares the space's keys with members who lack them, so people admitted by grant, invite
 * or request (by any lead, from any client) are not left waiting for a command: on each admission, after a
 * new epoch, and every `intervalMs` while connected (the relay does not tell leads who was admitted by
 * invite, so a periodic `keys.missing` catches them; it costs one small request). Runs on any connection to
 * the space; does nothing while this identity is not a lead there.
 */
import type { SpaceKeys } from '../sealed/space-keys.js';
import type { NoticeMessage } from '../protocol/messages.js';
import type { EnclaveConnection } from './enclave-connection.js';

/** Refreshes this member's keys, then wraps each one for the members lacking it; returns how many. */
export async function shareMissingKeys(connection: EnclaveConnection, keys: SpaceKeys): Promise<number> {
  const request: Parameters<SpaceKeys['refresh']>[0] = (r) => connection.request(r);
  await keys.refresh(request);
  return keys.wrapMissing(request);
}

export interface KeySharingOptions {
  /** Between checks for members lacking keys, while connected as a lead (default 5 s). */
  readonly intervalMs?: number;
  /** Keys were wrapped for someone. */
  readonly onShared?: (count: number) => void;
  /** A round failed (it is tried again on the next occasion). */
  readonly onProblem?: (message: string) => void;
}

export class KeySharing {
  private readonly timer: ReturnType<typeof setInterval>;
  private running: Promise<void> = Promise.resolve();
  private again = false;
  private busy = false;
  private stopped = false;

  constructor(
    private readonly connection: EnclaveConnection,
    private readonly keys: SpaceKeys,
    private readonly options: KeySharingOptions = {},
  ) {
    connection.on('welcome', this.trigger);
    connection.on('role-changed', this.trigger);
    connection.on('notice', this.onNotice);
    connection.on('space-event', this.trigger);
    this.timer = setInterval(this.trigger, options.intervalMs ?? 5_000);
    this.trigger();
  }

  /** Resolves once the round under way (if any) has ended. */
  whenIdle(): Promise<void> {
    return this.running;
  }

  destroy(): void {
    this.stopped = true;
    clearInterval(this.timer);
    this.connection.off('welcome', this.trigger);
    this.connection.off('role-changed', this.trigger);
    this.connection.off('notice', this.onNotice);
    this.connection.off('space-event', this.trigger);
  }

  private readonly onNotice = (notice: NoticeMessage): void => {
    if (notice.code === 'epoch-changed') this.trigger();
  };

  /** One round at a time; a trigger during a round asks for one more after it. */
  private readonly trigger = (): void => {
    if (this.stopped) return;
    if (this.busy) {
      this.again = true;
      return;
    }
    const welcome = this.connection.welcome;
    if (!welcome || welcome.agreement || welcome.role !== 'lead') return;
    this.busy = true;
    this.running = shareMissingKeys(this.connection, this.keys)
      .then(
        (count) => {
          if (count > 0 && !this.stopped) this.options.onShared?.(count);
        },
        (error: unknown) => {
          if (!this.stopped) this.options.onProblem?.(error instanceof Error ? error.message : String(error));
        },
      )
      .finally(() => {
        this.busy = false;
        if (this.again) {
          this.again = false;
          this.trigger();
        }
      });
  };
}
