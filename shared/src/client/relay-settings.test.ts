import assert from 'node:assert/strict';
import { connectionAddresses, type RelayEntry, readRelayList, relayWithAddress } from './relay-settings.js';

const cluster: RelayEntry = {
  name: 'dept',
  url: 'wss://a.example',
  alternates: ['wss://b.example', 'wss://c.example/'],
};
const single: RelayEntry = { name: 'home', url: 'ws://localhost:8080' };
const relays = [single, cluster];

describe('relay settings: connection addresses', () => {
  it("gives a cluster's every address, the configured url first when it is the one asked for", () => {
    assert.deepEqual(connectionAddresses(relays, 'wss://a.example'), {
      relayUrl: 'wss://a.example',
      alternateUrls: ['wss://b.example', 'wss://c.example'],
    });
  });

  it('puts an alternate first when the address in hand is that alternate (an enclave: URI, a link)', () => {
    assert.deepEqual(connectionAddresses(relays, 'wss://c.example'), {
      relayUrl: 'wss://c.example',
      alternateUrls: ['wss://a.example', 'wss://b.example'],
    });
  });

  it('matches addresses without trailing slashes and never lists one address twice', () => {
    const twice: RelayEntry = {
      name: 'twice',
      url: 'ws://x.example/',
      alternates: ['ws://x.example', 'ws://y.example'],
    };
    assert.deepEqual(connectionAddresses([twice], 'ws://x.example//'), {
      relayUrl: 'ws://x.example',
      alternateUrls: ['ws://y.example'],
    });
  });

  it('gives an address no relay in the settings has on its own, and a single relay its own address', () => {
    assert.deepEqual(connectionAddresses(relays, 'wss://elsewhere.example'), {
      relayUrl: 'wss://elsewhere.example',
      alternateUrls: [],
    });
    assert.deepEqual(connectionAddresses(relays, 'ws://localhost:8080'), {
      relayUrl: 'ws://localhost:8080',
      alternateUrls: [],
    });
    assert.deepEqual(connectionAddresses([], 'ws://localhost:8080'), {
      relayUrl: 'ws://localhost:8080',
      alternateUrls: [],
    });
  });

  it('does not take a different port or host of the same name as the same service', () => {
    assert.equal(relayWithAddress(relays, 'ws://localhost:8081'), undefined);
    assert.equal(relayWithAddress(relays, 'wss://a.example.evil'), undefined);
    assert.equal(relayWithAddress(relays, 'wss://b.example')?.name, 'dept');
  });

  it("adds the addresses a link carries after the configured service's, and uses them for an unknown relay", () => {
    assert.deepEqual(connectionAddresses(relays, 'wss://b.example', ['wss://a.example', 'wss://d.example/']), {
      relayUrl: 'wss://b.example',
      alternateUrls: ['wss://a.example', 'wss://c.example', 'wss://d.example'],
    });
    assert.deepEqual(connectionAddresses(relays, 'wss://x.example', ['wss://x.example', 'wss://y.example']), {
      relayUrl: 'wss://x.example',
      alternateUrls: ['wss://y.example'],
    });
  });

  it('works on what readRelayList read from a setting', () => {
    const { relays: read } = readRelayList([{ name: 'dept', url: 'ws://a:1/', alternates: ['ws://b:2'] }]);
    assert.deepEqual(connectionAddresses(read, 'ws://b:2'), { relayUrl: 'ws://b:2', alternateUrls: ['ws://a:1'] });
  });
});
