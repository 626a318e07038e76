/**
 * Where a client keeps the membership chains it verified (space-membership.ts), by relay and space: the
 * root, length and head that later chains must keep. A pin trusts the relay once, at the first look; the
 * longer it lives, the rarer that look. The CLI keeps a file beside the identity; the editors keep pins in
 * their own storage (VS Code's global state, the browser's local storage) through StoredChainPins.
 */
import type { ChainPin } from '../sealed/membership-chain.js';

export interface ChainPins {
  get(relayId: string, space: string): ChainPin | undefined | Promise<ChainPin | undefined>;
  set(relayId: string, space: string, pin: ChainPin): void | Promise<void>;
}

/** Pins for as long as this object lives (a connection opened without any). */
export class MemoryChainPins implements ChainPins {
  private readonly pins = new Map<string, ChainPin>();
  get(relayId: string, space: string): ChainPin | undefined {
    return this.pins.get(`${relayId} ${space}`);
  }
  set(relayId: string, space: string, pin: ChainPin): void {
    this.pins.set(`${relayId} ${space}`, pin);
  }
}

/** A string store: VS Code's Memento, the browser's Storage, or anything with the same two calls. */
export interface TextStore {
  get(key: string): string | undefined | null;
  set(key: string, value: string): void | Promise<void>;
}

/** Pins kept in a TextStore, one JSON value per relay and space (key `enclave.chainPin <relay> <space>`). */
export class StoredChainPins implements ChainPins {
  constructor(private readonly store: TextStore) {}

  get(relayId: string, space: string): ChainPin | undefined {
    const text = this.store.get(keyOf(relayId, space));
    if (text === undefined || text === null) return undefined;
    const pin = parsePin(text);
    // A damaged pin must not silently become none: that would trust the relay's chain anew.
    if (!pin) throw new Error(`the stored pin of space ${space}'s membership chain is damaged: ${text.slice(0, 80)}`);
    return pin;
  }

  async set(relayId: string, space: string, pin: ChainPin): Promise<void> {
    await this.store.set(keyOf(relayId, space), JSON.stringify(pin));
  }
}

function keyOf(relayId: string, space: string): string {
  return `enclave.chainPin ${relayId} ${space}`;
}

function parsePin(text: string): ChainPin | undefined {
  try {
    const value = JSON.parse(text) as Record<string, unknown>;
    const { root, length, head } = value;
    if (typeof root !== 'string' || typeof head !== 'string') return undefined;
    if (typeof length !== 'number' || !Number.isSafeInteger(length) || length < 1) return undefined;
    return { root: root as ChainPin['root'], length, head };
  } catch {
    return undefined;
  }
}
