/**
 * How often the directory may be read: a token bucket per key and one per client address (IPv6 per /64, as
 * the admission limits count it). Keys are free to make, so the address bucket is what holds a flood back;
 * the key bucket keeps one identity from crowding out its neighbours behind a shared address. Memory stays
 * bounded: past MAX_TRACKED entries the oldest are forgotten (a forgotten bucket starts full again).
 */
import { RateLimiter } from '../connection/rate-limiter.js';

const MAX_TRACKED = 10_000;

export interface DirectoryReadSettings {
  /** Reads one key or one address may make at once. */
  readonly burst: number;
  /** Reads per minute each refills, sustained. */
  readonly perMinute: number;
}

export class DirectoryReadLimits {
  private readonly byKey = new Map<string, RateLimiter>();
  private readonly byAddress = new Map<string, RateLimiter>();

  constructor(
    private readonly settings: DirectoryReadSettings,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Takes a read for this key and address; false (and nothing taken) when either is out of reads. */
  take(publicKey: string, address: string): boolean {
    const key = this.bucket(this.byKey, publicKey);
    const place = this.bucket(this.byAddress, address);
    if (!key.available() || !place.available()) return false;
    return key.take() && place.take();
  }

  /** Seconds until one more read would be allowed at the sustained rate. */
  get retryAfterSeconds(): number {
    return Math.ceil(60 / this.settings.perMinute);
  }

  private bucket(map: Map<string, RateLimiter>, id: string): RateLimiter {
    let found = map.get(id);
    if (found) {
      map.delete(id); // re-inserted below: the map's order is least recently used first
    } else {
      found = new RateLimiter(this.settings.perMinute / 60, this.settings.burst, this.now);
      if (map.size >= MAX_TRACKED) map.delete(map.keys().next().value!);
    }
    map.set(id, found);
    return found;
  }
}
