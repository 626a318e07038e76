/**
 * A lead's client shares the space's keys with members who lack them, so people admitted by grant, invite
 * or request (by any lead, from any client) are not left waiting for a command: on each admission, after a
 * new epoch, and every `intervalMs` while connected (the relay does not tell leads who was admitted by
 * invite, so a periodic `keys.missing` catches them; it costs one small request). Runs on any connection to
 * the space; does nothing while this identity is not a lead there.
 */
import type { PublicKeyText } from '../identity/keys.js';
import { ChainBroken } from '../sealed/membership-chain.js';
import type { SpaceKeys } from '../sealed/space-keys.js';
import type { NoticeMessage } from '../protocol/messages.js';
import type { EnclaveConnection } from './enclave-connection.js';
import { loadChain, provenRedemptions, signMembership } from './space-membership.js';

/** What a round of sharing did: keys wrapped, and members the membership chain does not admit. */
export interface SharedKeys {
  readonly wrapped: number;
  /** On the relay's access list but not admitted by the verified chain: given nothing. */
  readonly refused: readonly PublicKeyText[];
}

/**
 * Refreshes this member's keys, verifies the space's membership chain, then wraps each key for the members
 * lacking it that the chain admits. A chain that does not verify stops the round (ChainBroken): nothing is
 * wrapped for anyone on a relay's word alone.
 */
export async function shareMissingKeys(connection: EnclaveConnection, keys: SpaceKeys): Promise<SharedKeys> {
  const request: Parameters<SpaceKeys['refresh']>[0] = (r) => connection.request(r);
  await keys.refresh(request);
  let chain = await loadChain(connection, connection.chainPins);
  // Newcomers by this lead's invites who proved they hold the link's secret are signed in first.
  const { missing } = await connection.request({ op: 'keys.missing' });
  const unadmitted = [...new Set(missing.map((m) => m.publicKey))].filter((key) => !chain.members.has(key));
  const proven = await provenRedemptions(connection, unadmitted);
  if (proven.length > 0) chain = await signMembership(connection, connection.chainPins, proven);
  return keys.wrapMissing(request, (publicKey) => chain.members.has(publicKey));
}

/** The message a lead sees about members the chain does not admit (the same words in CLI and editors). */
export function refusedMessage(space: string, refused: readonly PublicKeyText[]): string {
  return (
    `not sharing the keys of ${space} with ${refused.join(', ')}: the relay lists them as members, but no ` +
    'lead signed them into the membership chain (an entry the relay made itself?). If a lead did admit them, ' +
    `confirm with \`enclave keys attest ${space}\`.`
  );
}

export interface KeySharingOptions {
  /** Between checks for members lacking keys, while connected as a lead (default 5 s). */
  readonly intervalMs?: number;
  /** Keys were wrapped for someone. */
  readonly onShared?: (count: number) => void;
  /** A round failed (it is tried again on the next occasion). */
  readonly onProblem?: (message: string) => void;
  /**
   * Members lack keys whom the membership chain does not admit, or the chain itself is broken: nothing
   * was wrapped for them. Said once per distinct set, not every round.
   */
  readonly onRefused?: (message: string) => void;
}

export class KeySharing {
  private readonly timer: ReturnType<typeof setInterval>;
  private running: Promise<void> = Promise.resolve();
  private again = false;
  private busy = false;
  private stopped = false;
  private lastRefusal = '';

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

  private refusal(message: string): void {
    if (message === this.lastRefusal) return;
    this.lastRefusal = message;
    if (message) this.options.onRefused?.(message);
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
        ({ wrapped, refused }) => {
          if (this.stopped) return;
          if (wrapped > 0) this.options.onShared?.(wrapped);
          this.refusal(refused.length > 0 ? refusedMessage(this.keys.space, refused) : '');
        },
        (error: unknown) => {
          if (this.stopped) return;
          const message = error instanceof Error ? error.message : String(error);
          if (error instanceof ChainBroken)
            this.refusal(`the membership chain of ${this.keys.space} is broken: ${message}`);
          else this.options.onProblem?.(message);
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
