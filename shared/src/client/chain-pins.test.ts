import assert from 'node:assert/strict';
import { StoredChainPins, type TextStore } from './chain-pins.js';

class MapStore implements TextStore {
  readonly values = new Map<string, string>();
  get(key: string): string | undefined {
    return this.values.get(key);
  }
  set(key: string, value: string): void {
    this.values.set(key, value);
  }
}

const PIN = { root: 'ed25519:AAAA' as const, length: 3, head: 'hHash' };

describe('StoredChainPins', () => {
  it('keeps a pin per relay and space across instances over the same store', async () => {
    const store = new MapStore();
    await new StoredChainPins(store).set('relay-1', 'lab', PIN);
    const later = new StoredChainPins(store);
    assert.deepEqual(later.get('relay-1', 'lab'), PIN);
    assert.equal(later.get('relay-1', 'other'), undefined);
    assert.equal(later.get('relay-2', 'lab'), undefined);
  });

  it('refuses a damaged pin rather than trusting the relay anew', () => {
    const store = new MapStore();
    const pins = new StoredChainPins(store);
    for (const damaged of ['not json', '{"root":"ed25519:A","length":0,"head":"h"}', '{"root":1}', 'null']) {
      store.set('enclave.chainPin relay-1 lab', damaged);
      assert.throws(() => pins.get('relay-1', 'lab'), /membership chain is damaged/, damaged);
    }
  });
});
