import assert from 'node:assert/strict';
import { generateIdentity, type Identity, importSigningKey, SignatureVerifier } from '../identity/keys.js';
import { openSealed, readSealedHeader, seal, type Sealer, SealedKind, TamperedMessage } from './envelope.js';
import { newContentKey, unwrapContentKey, wrapContentKey } from './key-wrap.js';

describe('sealed spaces: key wrapping', () => {
  let alice: Identity;
  let bob: Identity;
  before(async () => {
    [alice, bob] = await Promise.all([generateIdentity('Alice'), generateIdentity('Bob')]);
  });

  it('unwraps for the recipient only, in the space and epoch it was wrapped for', () => {
    const key = newContentKey();
    const wrapped = wrapContentKey(key, { space: 'lab', epoch: 3, recipient: alice.publicKey });
    assert.deepEqual(unwrapContentKey(wrapped, alice, { space: 'lab', epoch: 3 }), key);
    assert.throws(() => unwrapContentKey(wrapped, bob, { space: 'lab', epoch: 3 }), /not wrapped for this identity/);
    assert.throws(() => unwrapContentKey(wrapped, alice, { space: 'other', epoch: 3 }), /not wrapped/);
    assert.throws(() => unwrapContentKey(wrapped, alice, { space: 'lab', epoch: 4 }), /not wrapped/);
    for (const at of [0, 40, wrapped.length - 1]) {
      const altered = wrapped.slice();
      altered[at]! ^= 1;
      assert.throws(() => unwrapContentKey(altered, alice, { space: 'lab', epoch: 3 }), /altered/);
    }
  });

  it('wraps the same key differently each time (fresh ephemeral key and nonce)', () => {
    const key = newContentKey();
    const a = wrapContentKey(key, { space: 'lab', epoch: 1, recipient: bob.publicKey });
    const b = wrapContentKey(key, { space: 'lab', epoch: 1, recipient: bob.publicKey });
    assert.notDeepEqual(a, b);
  });
});

describe('sealed spaces: messages', () => {
  let alice: Identity;
  let mallory: Identity;
  let sealer: Sealer;
  const key = newContentKey();
  const keys = (epoch: number): Uint8Array | undefined => (epoch === 2 ? key : undefined);
  const fields = { kind: SealedKind.Update, session: 77, seq: 5, document: 'doc-id' } as const;

  before(async () => {
    [alice, mallory] = await Promise.all([generateIdentity('Alice'), generateIdentity('Mallory')]);
    sealer = { space: 'lab', epoch: 2, key, author: alice, signingKey: await importSigningKey(alice) };
  });

  it('opens what a member sealed; the relay reads the header and nothing else', async () => {
    const plaintext = new TextEncoder().encode('MARKER secret cell source');
    const envelope = await seal(sealer, fields, plaintext);
    assert.equal(Buffer.from(envelope).includes(Buffer.from('MARKER')), false);
    assert.deepEqual(readSealedHeader(envelope), { ...fields, epoch: 2, author: alice.publicKey });
    const opened = await openSealed(envelope, 'lab', keys);
    assert.deepEqual(opened.plaintext, plaintext);
    assert.equal(opened.header.author, alice.publicKey);
  });

  it('refuses an altered byte anywhere, another space, an unknown epoch, and a forged author', async () => {
    const envelope = await seal(sealer, fields, new Uint8Array([1, 2, 3]));
    for (let at = 0; at < envelope.length; at += 7) {
      const altered = envelope.slice();
      altered[at]! ^= 0x10;
      await assert.rejects(openSealed(altered, 'lab', keys), TamperedMessage, `byte ${at}`);
    }
    await assert.rejects(openSealed(envelope, 'other-space', keys), TamperedMessage);
    await assert.rejects(
      openSealed(envelope, 'lab', () => undefined),
      /no key for epoch 2/,
    );
    // The relay (or anyone) claiming Alice wrote what Mallory signed: the signature does not verify.
    const forged = await seal(
      { ...sealer, author: { ...mallory, publicKey: alice.publicKey }, signingKey: await importSigningKey(mallory) },
      fields,
      new Uint8Array([9]),
    );
    await assert.rejects(openSealed(forged, 'lab', keys), /not signed by that key/);
  });

  it('a verifier that keeps imported keys still tells authors apart and refuses forgeries', async () => {
    const verifier = new SignatureVerifier(globalThis.crypto, 1);
    const mallorySealer = { ...sealer, author: mallory, signingKey: await importSigningKey(mallory) };
    for (let round = 0; round < 2; round++) {
      const fromAlice = await seal(sealer, fields, new Uint8Array([round]));
      const fromMallory = await seal(mallorySealer, fields, new Uint8Array([round]));
      assert.equal((await openSealed(fromAlice, 'lab', keys, verifier)).header.author, alice.publicKey);
      assert.equal((await openSealed(fromMallory, 'lab', keys, verifier)).header.author, mallory.publicKey);
    }
    const forged = await seal(
      { ...mallorySealer, author: { ...mallory, publicKey: alice.publicKey } },
      fields,
      new Uint8Array([9]),
    );
    await assert.rejects(openSealed(forged, 'lab', keys, verifier), /not signed by that key/);
  });
});
