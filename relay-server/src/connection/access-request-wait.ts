/**
 * A non-member's connection that asked to join: the request is recorded (if the space exists; the answer
 * is the same either way, so existence is not revealed) and the connection waits, receiving nothing but
 * `access-pending`, until a lead approves or denies it, or the wait runs out.
 */
import type { PublicKeyText } from '@enclave/shared';
import type { GovernanceService } from '../access/governance-service.js';

export class AccessRequestWait {
  private timer: ReturnType<typeof setTimeout> | undefined;

  private constructor(readonly requestId: string) {}

  /** Records the request; rejects with TooManyRequests when this key asked too often. */
  static async begin(
    governance: GovernanceService,
    space: string,
    publicKey: PublicKeyText,
    ask: { readonly name: string; readonly message: string; readonly via?: 'directory' },
  ): Promise<AccessRequestWait> {
    const request = await governance.requestAccess(space, publicKey, ask.name, ask.message, ask.via);
    // For a space that does not exist nothing is stored, but the client sees an id all the same.
    const id =
      request?.id ??
      Array.from(crypto.getRandomValues(new Uint8Array(6)), (b) => b.toString(16).padStart(2, '0')).join('');
    return new AccessRequestWait(id);
  }

  /** Calls `onTimeout` if nobody answers within `ms`. */
  expireAfter(ms: number, onTimeout: () => void): void {
    this.timer = setTimeout(onTimeout, ms);
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}
