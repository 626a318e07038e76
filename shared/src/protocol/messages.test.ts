import assert from 'node:assert/strict';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { generateIdentity, importSigningKey } from '../identity/keys.js';
import { decodeClientMessage, encodeClientMessage, MessageTag, readTag } from './frames.js';
import { answerChallenge, authPayload, newNonce, verifyAnswer } from './handshake.js';
import { parseFromClient, ProtocolViolation } from './messages.js';
import { parseRoomName, parseRoomPath, RELAY_CHANNEL, roomName, roomUrl } from './rooms.js';
import { negotiateVersion } from './version.js';

describe('protocol messages', () => {
  it('round-trips a request through a frame', () => {
    const frame = encodeClientMessage({ type: 'request', id: 3, request: { op: 'members.list' } });
    const decoder = decoding.createDecoder(frame);
    assert.equal(readTag(decoder), MessageTag.Enclave);
    assert.deepEqual(decodeClientMessage(decoder), { type: 'request', id: 3, request: { op: 'members.list' } });
  });

  it('rejects malformed and unknown messages with ProtocolViolation', () => {
    const bad: unknown[] = [
      null,
      [],
      { type: 'nope' },
      { type: 'request', id: 'x', request: { op: 'members.list' } },
      { type: 'request', id: 1, request: { op: 'drop.tables' } },
      { type: 'request', id: 1, request: { op: 'members.grant', publicKey: 'ed25519:x', role: 'editor' } },
      { type: 'request', id: 1, request: { op: 'members.grant', publicKey: `ed25519:${'A'.repeat(43)}`, role: 'god' } },
      { type: 'authenticate', protocol: 1, publicKey: `ed25519:${'A'.repeat(43)}`, signature: 'x'.repeat(500) },
      {
        type: 'authenticate',
        protocol: 1,
        publicKey: `ed25519:${'A'.repeat(43)}`,
        signature: 'x',
        name: 'n'.repeat(101),
      },
      { type: 'authenticate', protocol: 1, publicKey: `ed25519:${'A'.repeat(43)}`, signature: 'x', name: 7 },
    ];
    for (const value of bad) assert.throws(() => parseFromClient(value), ProtocolViolation, JSON.stringify(value));
    const truncated = encoding.createEncoder();
    encoding.writeVarUint(truncated, MessageTag.Enclave);
    encoding.writeVarUint(truncated, 1000); // claims 1000 bytes of JSON, has none
    const decoder = decoding.createDecoder(encoding.toUint8Array(truncated));
    readTag(decoder);
    assert.throws(() => decodeClientMessage(decoder), ProtocolViolation);
  });

  it('carries the name a client chose in its answer to the challenge', () => {
    const key = `ed25519:${'A'.repeat(43)}` as const;
    assert.deepEqual(
      parseFromClient({ type: 'authenticate', protocol: 1, publicKey: key, signature: 's', name: 'Bo' }),
      {
        type: 'authenticate',
        protocol: 1,
        publicKey: key,
        signature: 's',
        name: 'Bo',
      },
    );
  });

  it('negotiates the highest common version', () => {
    assert.equal(negotiateVersion([1, 2], [1]), 1);
    assert.equal(negotiateVersion([2, 3], [1, 2, 3]), 3);
    assert.equal(negotiateVersion([9], [1]), undefined);
  });

  it('parses rooms and refuses names that could escape a path', () => {
    assert.deepEqual(parseRoomName('team/notes.ipynb'), { space: 'team', document: 'notes.ipynb' });
    assert.deepEqual(parseRoomPath('/team?x=1'), { space: 'team' });
    for (const bad of ['', '/', 'a/b/c', '../x', 'team/..', 'team/.hidden', 'te am', 'a//b']) {
      assert.throws(() => parseRoomName(bad), Error, bad);
    }
    assert.equal(parseRoomPath('/team/%2e%2e'), undefined);
    assert.deepEqual(parseRoomPath('/?x=1'), RELAY_CHANNEL, 'the relay channel');
    assert.equal(roomName(RELAY_CHANNEL), '', 'signed as no space name can be');
    assert.equal(roomUrl('ws://h:1/', { space: 's', document: 'd.md' }), 'ws://h:1/s/d.md');
  });
});

describe('handshake', () => {
  it('binds the signature to nonce, relay, room and version', async () => {
    const alice = await generateIdentity('Alice');
    const relay = await generateIdentity('relay');
    const key = await importSigningKey(alice);
    const nonce = newNonce();
    const challenge = { type: 'challenge', protocols: [1], relayId: relay.publicKey, nonce } as const;
    const answer = await answerChallenge(challenge, alice, key, 'team/doc', 1);
    const issued = { nonce, relayId: relay.publicKey, room: 'team/doc' };
    assert.equal(await verifyAnswer(answer, issued), true);
    assert.equal(await verifyAnswer(answer, { ...issued, nonce: newNonce() }), false, 'replayed on a new challenge');
    assert.equal(await verifyAnswer(answer, { ...issued, room: 'team/other' }), false, 'another room');
    assert.equal(await verifyAnswer(answer, { ...issued, relayId: alice.publicKey }), false, 'another relay');
    assert.equal(await verifyAnswer({ ...answer, protocol: 2 }, issued), false, 'another version');
    assert.equal(await verifyAnswer({ ...answer, signature: '!!' }, issued), false, 'garbage signature');
    assert.throws(() => authPayload({ ...issued, protocol: 1, room: 'a\nb' }), /newline/);
  });
});
