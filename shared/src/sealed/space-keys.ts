/**
 * A member's keys to one sealed space, on their own machine: the content key of every epoch wrapped to
 * them, unwrapped here and nowhere else. Leads' clients also wrap keys for members who lack them (new
 * members admitted by grant, invite or request: the lead's client does it when it is next online) and start
 * new epochs (revoke rotates).
 */
import { fromBase64Url, toBase64Url } from '../encoding/base64url.js';
import { type Identity, type PublicKeyText } from '../identity/keys.js';
import type { Request, RequestOp, ResultOf, WrappedKeyInfo } from '../protocol/messages.js';
import { newContentKey, unwrapContentKey, wrapContentKey } from './key-wrap.js';

/** Sends a request on some connection to the space (any channel) and returns its result. */
export type KeyRequester = <Op extends RequestOp>(request: Extract<Request, { op: Op }>) => Promise<ResultOf[Op]>;

export class NoKeyYet extends Error {
  override readonly name = 'NoKeyYet';
}

export class SpaceKeys {
  private readonly keys = new Map<number, Uint8Array>();
  private currentEpoch = 0;

  constructor(
    readonly space: string,
    private readonly identity: Identity,
  ) {}

  /** Fetches and unwraps this member's keys. Keys that do not unwrap are skipped (and reported). */
  async refresh(request: KeyRequester): Promise<{ epoch: number; unreadable: number[] }> {
    const answer = await request({ op: 'keys.mine' });
    const unreadable: number[] = [];
    for (const key of answer.keys) {
      if (this.keys.has(key.epoch)) continue;
      try {
        const bytes = unwrapContentKey(fromBase64Url(key.wrapped), this.identity, {
          space: this.space,
          epoch: key.epoch,
        });
        this.keys.set(key.epoch, bytes);
      } catch {
        unreadable.push(key.epoch);
      }
    }
    this.currentEpoch = answer.epoch;
    return { epoch: answer.epoch, unreadable };
  }

  get epoch(): number {
    return this.currentEpoch;
  }

  keyOf = (epoch: number): Uint8Array | undefined => this.keys.get(epoch);

  /** The key to seal with now; NoKeyYet when no lead has wrapped the current epoch's key to this member. */
  current(): { epoch: number; key: Uint8Array } {
    const key = this.keys.get(this.currentEpoch);
    if (!key) {
      throw new NoKeyYet(
        this.currentEpoch === 0
          ? `space ${this.space} has no key yet: its lead's client starts it`
          : `waiting for a lead to share the key of space ${this.space} with you (it happens when a lead is next online)`,
      );
    }
    return { epoch: this.currentEpoch, key };
  }

  /**
   * Leads: wraps every key this client holds for each member lacking it whom `admits` accepts (the verified
   * membership chain: the relay's list of who lacks a key is only its word). Returns how many keys were
   * wrapped and which members were refused.
   */
  async wrapMissing(
    request: KeyRequester,
    admits: (publicKey: PublicKeyText) => boolean,
  ): Promise<{ wrapped: number; refused: PublicKeyText[] }> {
    const { missing } = await request({ op: 'keys.missing' });
    const keys: WrappedKeyInfo[] = [];
    const refused = new Set<PublicKeyText>();
    for (const { publicKey, epoch } of missing) {
      if (!admits(publicKey)) {
        refused.add(publicKey);
        continue;
      }
      const key = this.keys.get(epoch);
      if (key) keys.push(this.wrapFor(key, publicKey, epoch));
    }
    if (keys.length > 0) await request({ op: 'keys.wrap', keys });
    return { wrapped: keys.length, refused: [...refused] };
  }

  /**
   * Leads: starts the next epoch with a fresh key wrapped to `members` (everyone kept), revoking `revoke`
   * in the same step. Whoever is revoked never receives this key.
   */
  async rotate(request: KeyRequester, members: readonly PublicKeyText[], revoke?: PublicKeyText): Promise<number> {
    await this.refresh(request);
    const epoch = this.currentEpoch + 1;
    const key = newContentKey();
    const keys = members.filter((m) => m !== revoke).map((m) => this.wrapFor(key, m, epoch));
    await request({ op: 'keys.rotate', epoch, keys, ...(revoke ? { revoke } : {}) });
    this.keys.set(epoch, key);
    this.currentEpoch = epoch;
    return epoch;
  }

  /** Forgets the keys (zeroed where the runtime allows). */
  destroy(): void {
    for (const key of this.keys.values()) key.fill(0);
    this.keys.clear();
  }

  private wrapFor(key: Uint8Array, publicKey: PublicKeyText, epoch: number): WrappedKeyInfo {
    return {
      publicKey,
      epoch,
      wrapped: toBase64Url(wrapContentKey(key, { space: this.space, epoch, recipient: publicKey })),
    };
  }
}
