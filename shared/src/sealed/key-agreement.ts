/**
 * The key-agreement key of an identity, derived from its Ed25519 key rather than made and stored apart:
 * X25519 keys by the birational map from Edwards to Montgomery form (RFC 7748 section 4.1; the same map as
 * libsodium's crypto_sign_ed25519_*_to_curve25519), computed by @noble/curves. So every identity has one
 * without a second secret to keep, and a public key already on a space's access list is all a lead needs to
 * wrap a space key to its holder. The binding to the identity is the derivation itself.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { fromBase64Url } from '../encoding/base64url.js';
import { type Identity, parsePublicKey, SECRET_KEY_PREFIX } from '../identity/keys.js';

/** The X25519 public key of an Ed25519 public key (text form). */
export function agreementPublicKey(publicKey: string): Uint8Array {
  return ed25519.utils.toMontgomery(parsePublicKey(publicKey));
}

/** The X25519 secret key of an identity. The caller zeroes it after use. */
export function agreementSecretKey(identity: Identity): Uint8Array {
  if (!identity.secretKey.startsWith(SECRET_KEY_PREFIX)) {
    throw new Error(`a secret key starts with "${SECRET_KEY_PREFIX}"`);
  }
  const seed = fromBase64Url(identity.secretKey.slice(SECRET_KEY_PREFIX.length));
  try {
    if (seed.length !== 32) throw new Error('an Ed25519 secret key has 32 bytes');
    return ed25519.utils.toMontgomerySecret(seed);
  } finally {
    seed.fill(0);
  }
}
