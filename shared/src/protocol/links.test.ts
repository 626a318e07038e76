import assert from 'node:assert/strict';
import { formatLink, linkAddresses, MAX_LINK_ADDRESSES, newInviteLink, parseLink } from './links.js';

const TOKEN = 'tok-en_1';

describe('links with several relay addresses', () => {
  it('carries every address of the service, first one first, and parses back to the same link', () => {
    const link = {
      kind: 'join',
      relay: 'wss://a.example/',
      alternates: ['wss://b.example', 'ws://127.0.0.1:8787'],
      space: 'lab',
      token: TOKEN,
    } as const;
    const text = formatLink(link);
    assert.equal(new URLSearchParams(text.split('?')[1]).getAll('relay').length, 3);
    assert.deepEqual(parseLink(text), link);
    assert.deepEqual(parseLink(formatLink(link, 'vscode://enclave.enclave-vscode/')), link);
    const open = {
      kind: 'open',
      relay: 'wss://a.example',
      alternates: ['wss://b.example'],
      space: 'lab',
      document: 'n.ipynb',
    } as const;
    assert.deepEqual(parseLink(formatLink(open)), open);
  });

  it('reads a one-address link as before, and one that repeats an address as one address', () => {
    assert.deepEqual(parseLink(`enclave://join?relay=ws%3A%2F%2Fa%3A1&space=lab&invite=${TOKEN}`), {
      kind: 'join',
      relay: 'ws://a:1',
      space: 'lab',
      token: TOKEN,
    });
    const twice = parseLink(`enclave://join?relay=ws%3A%2F%2Fa%3A1&relay=ws%3A%2F%2Fa%3A1&space=lab&invite=${TOKEN}`);
    assert.deepEqual(linkAddresses(twice), ['ws://a:1']);
    assert.equal(twice.alternates, undefined);
  });

  it('refuses a link with an address that is not ws:// or wss://, or with too many addresses', () => {
    const base = `space=lab&invite=${TOKEN}`;
    assert.throws(() => parseLink(`enclave://join?relay=ws%3A%2F%2Fa&relay=https%3A%2F%2Fevil&${base}`), /not a ws/);
    assert.throws(() => parseLink(`enclave://join?${base}`), /no ws:\/\/ or wss:\/\/ relay/);
    const many = Array.from({ length: MAX_LINK_ADDRESSES + 1 }, (_, i) => `relay=ws%3A%2F%2Fh${i}`).join('&');
    assert.throws(() => parseLink(`enclave://join?${many}&${base}`), /more than 8 relay addresses/);
  });

  it('makes a new invite link from the addresses the relay gave, else from the one the lead used', () => {
    const used = { relay: 'ws://127.0.0.1:1234', alternates: ['ws://127.0.0.1:1235'] };
    assert.deepEqual(newInviteLink(used, 'lab', { token: TOKEN }), {
      kind: 'join',
      ...used,
      space: 'lab',
      token: TOKEN,
    });
    assert.deepEqual(newInviteLink(used, 'lab', { token: TOKEN, addresses: ['wss://a.example', 'wss://b.example'] }), {
      kind: 'join',
      relay: 'wss://a.example',
      alternates: ['wss://b.example'],
      space: 'lab',
      token: TOKEN,
    });
    // What a relay answers is not trusted to be sane: only WebSocket addresses go into the link.
    assert.deepEqual(
      newInviteLink({ relay: 'ws://x' }, 'lab', {
        token: TOKEN,
        addresses: ['javascript:alert(1)', 'wss://ok.example'],
      }),
      { kind: 'join', relay: 'wss://ok.example', space: 'lab', token: TOKEN },
    );
    assert.equal(newInviteLink({ relay: 'ws://x' }, 'lab', { token: TOKEN, addresses: ['http://no'] }).relay, 'ws://x');
  });
});
