/**
 * Limits on what one client address can open, checked at the HTTP upgrade before a WebSocket exists, so
 * that a flood costs the relay a map lookup and a one-line HTTP answer. Per address (IPv6 per /64): a
 * token bucket of new connections, a token bucket of refused handshakes, and a cap on connections not yet
 * admitted; relay-wide, a cap on those too. Buckets refill, so nothing is locked out for good.
 *
 * Memory stays bounded whatever addresses arrive: idle addresses beyond MAX_IDLE_ADDRESSES are forgotten,
 * least recently seen first; addresses with unadmitted connections are kept, and the relay-wide cap
 * bounds how many those are.
 */
import type { RelayLimits } from '../config.js';
import type { RelayMetrics } from '../observability/metrics.js';
import { RateLimiter } from './rate-limiter.js';

const MAX_IDLE_ADDRESSES = 10_000;

export type AdmissionLimit =
  'unadmitted-total' | 'unadmitted-per-address' | 'refusals-per-address' | 'handshakes-per-address';

export type AdmissionLimitSettings = Pick<
  RelayLimits,
  | 'handshakeBurstPerAddress'
  | 'handshakesPerSecondPerAddress'
  | 'refusalBurstPerAddress'
  | 'refusalsPerSecondPerAddress'
  | 'unadmittedPerAddress'
  | 'unadmittedTotal'
>;

/** One new connection's place in the limits, from the upgrade until it is admitted or closes. */
export interface AdmissionLease {
  /** The address as the limits count it. */
  readonly address: string;
  /** The connection was admitted: it stops counting as unadmitted. */
  admitted(): void;
  /** The connection's handshake was refused: one refusal against its address. */
  refused(): void;
  /** The connection closed (whether or not it was admitted). */
  closed(): void;
}

export type AdmissionDecision =
  | { readonly ok: true; readonly lease: AdmissionLease }
  | {
      readonly ok: false;
      readonly limit: AdmissionLimit;
      readonly address: string;
      /** 503 when the relay as a whole is full, 429 when this address is over its share. */
      readonly status: 429 | 503;
      readonly retryAfterSeconds: number;
    };

interface AddressState {
  readonly handshakes: RateLimiter;
  readonly refusals: RateLimiter;
  unadmitted: number;
}

export class AdmissionLimits {
  private readonly addresses = new Map<string, AddressState>();
  private unadmitted = 0;

  constructor(
    private readonly limits: AdmissionLimitSettings,
    private readonly metrics: RelayMetrics,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Decides on a new connection from `remoteAddress` (the socket's peer address). */
  open(remoteAddress: string | undefined): AdmissionDecision {
    const address = addressKey(remoteAddress);
    const state = this.touch(address);
    const refuse = (limit: AdmissionLimit, status: 429 | 503, perSecond = 1): AdmissionDecision => {
      this.metrics.admissionLimited.inc({ limit });
      return { ok: false, limit, address, status, retryAfterSeconds: Math.max(1, Math.ceil(1 / perSecond)) };
    };
    if (this.unadmitted >= this.limits.unadmittedTotal) return refuse('unadmitted-total', 503);
    if (state.unadmitted >= this.limits.unadmittedPerAddress) return refuse('unadmitted-per-address', 429);
    if (!state.refusals.available()) {
      return refuse('refusals-per-address', 429, this.limits.refusalsPerSecondPerAddress);
    }
    if (!state.handshakes.take()) {
      return refuse('handshakes-per-address', 429, this.limits.handshakesPerSecondPerAddress);
    }
    state.unadmitted++;
    this.unadmitted++;
    this.metrics.unadmitted.set(this.unadmitted);
    let counted = true;
    const release = (): void => {
      if (!counted) return;
      counted = false;
      state.unadmitted--;
      this.unadmitted--;
      this.metrics.unadmitted.set(this.unadmitted);
    };
    return {
      ok: true,
      lease: { address, admitted: release, closed: release, refused: () => void state.refusals.take() },
    };
  }

  /** The address's state, made most recently seen; forgets the least recently seen idle ones past the cap. */
  private touch(address: string): AddressState {
    let state = this.addresses.get(address);
    if (state) {
      this.addresses.delete(address);
    } else {
      state = {
        handshakes: new RateLimiter(
          this.limits.handshakesPerSecondPerAddress,
          this.limits.handshakeBurstPerAddress,
          this.now,
        ),
        refusals: new RateLimiter(
          this.limits.refusalsPerSecondPerAddress,
          this.limits.refusalBurstPerAddress,
          this.now,
        ),
        unadmitted: 0,
      };
    }
    this.addresses.set(address, state);
    if (this.addresses.size > MAX_IDLE_ADDRESSES + this.unadmitted) {
      for (const [key, old] of this.addresses) {
        if (this.addresses.size <= MAX_IDLE_ADDRESSES + this.unadmitted) break;
        if (old.unadmitted === 0 && old !== state) this.addresses.delete(key);
      }
    }
    this.metrics.trackedAddresses.set(this.addresses.size);
    return state;
  }
}

/**
 * The address limits count by: IPv4 as is (also when mapped into IPv6); IPv6 by its /64, since one host or
 * site usually holds a whole /64 and could otherwise pick a fresh address per connection.
 */
export function addressKey(remote: string | undefined): string {
  if (!remote) return 'unknown';
  const address = remote.replace(/%.*$/, ''); // zone index, e.g. fe80::1%eth0
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!address.includes(':')) return address;
  const [head = '', tail] = address.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  // A dotted IPv4 tail stands for two groups.
  const width = (groups: string[]): number => groups.reduce((n, g) => n + (g.includes('.') ? 2 : 1), 0);
  const groups =
    tail === undefined ? left : [...left, ...Array<string>(8 - width(left) - width(right)).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => (g.includes('.') ? g : parseInt(g, 16).toString(16)))
    .join(':')}::/64`;
}
