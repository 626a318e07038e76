import assert from 'node:assert/strict';
import {
  checkIdentity,
  formatPublicKey,
  generateIdentity,
  importSigningKey,
  isPublicKeyText,
  parsePublicKey,
  sign,
  verify,
} from './keys.js';
import { colorForFingerprint, fingerprint, initialsOf } from './fingerprint.js';
import { parseIdentity, serializeIdentity } from './identity-file.js';

describe('identity', () => {
  it('generates Ed25519 identities whose signatures verify, and only for the signed bytes and key', async () => {
    const alice = await generateIdentity('Alice');
    const mallory = await generateIdentity('Mallory');
    assert.match(alice.publicKey, /^ed25519:[A-Za-z0-9_-]{43}$/);
    const data = new TextEncoder().encode('hello');
    const signature = await sign(await importSigningKey(alice), data);
    assert.equal(await verify(alice.publicKey, signature, data), true);
    assert.equal(await verify(mallory.publicKey, signature, data), false, 'another key');
    assert.equal(await verify(alice.publicKey, signature, new TextEncoder().encode('hellO')), false, 'other bytes');
    const flipped = signature.slice();
    flipped[10]! ^= 1;
    assert.equal(await verify(alice.publicKey, flipped, data), false, 'altered signature');
    assert.equal(await verify('ed25519:short', signature, data), false, 'malformed key');
  });

  it('parses and formats public keys, with errors that say what is wrong', () => {
    const raw = new Uint8Array(32).fill(7);
    const text = formatPublicKey(raw);
    assert.deepEqual(parsePublicKey(text), raw);
    assert.equal(isPublicKeyText(text), true);
    assert.throws(() => parsePublicKey('rsa:abc'), /starts with "ed25519:"/);
    assert.throws(() => parsePublicKey('ed25519:AAAA'), /32 bytes/);
    assert.throws(() => parsePublicKey('ed25519:not base64!'), /base64url/);
  });

  it('round-trips the identity file and rejects a secret that belongs to another key', async () => {
    const alice = await generateIdentity('Alice');
    const bob = await generateIdentity('Bob');
    assert.deepEqual(parseIdentity(serializeIdentity(alice)), alice);
    await checkIdentity(alice);
    await assert.rejects(checkIdentity({ ...alice, secretKey: bob.secretKey }), /does not belong/);
    assert.throws(() => parseIdentity('{"name":"x"}'), /publicKey/);
    assert.throws(() => parseIdentity('not json'), /not JSON/);
    assert.throws(() => parseIdentity(JSON.stringify({ ...alice, secretKey: 'plain' })), /secretKey/);
  });

  it('derives a stable fingerprint, colour and initials', async () => {
    const alice = await generateIdentity('Alice Liddell');
    const fp = await fingerprint(alice.publicKey);
    assert.match(fp, /^[0-9a-f]{4}(-[0-9a-f]{4}){3}$/);
    assert.equal(await fingerprint(alice.publicKey), fp);
    assert.equal(colorForFingerprint(fp), colorForFingerprint(fp));
    assert.match(colorForFingerprint(fp), /^#[0-9a-f]{6}$/);
    assert.equal(initialsOf('Alice Liddell'), 'AL');
    assert.equal(initialsOf('  '), '?');
  });
});
