/**
 * The membership chains this browser verified (sealed spaces), kept in the page's local storage so that a
 * chain verified once must still hold after a reload (a relay that later serves another root or a shorter
 * chain is caught). Where there is no local storage (the plugin's Node tests), one set for the process.
 */
import { type ChainPins, MemoryChainPins, StoredChainPins } from '@enclave/shared';

let pins: ChainPins | undefined;

export function browserChainPins(): ChainPins {
  if (pins) return pins;
  const storage = (globalThis as { localStorage?: Storage }).localStorage;
  pins = storage
    ? new StoredChainPins({
        get: (key) => storage.getItem(key),
        set: (key, value) => storage.setItem(key, value),
      })
    : new MemoryChainPins();
  return pins;
}
