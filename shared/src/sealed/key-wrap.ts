/**
 * A space's content key, wrapped to one member: only the holder of that member's identity can unwrap it.
 * Construction (an ECIES-style sealed box from audited parts, nothing home-made):
 *   ephemeral X25519 key pair e; shared = X25519(e, recipient's agreement key);
 *   k = HKDF-SHA256(ikm = shared, salt = e.public || recipient agreement key, info = context);
 *   wrapped = e.public || nonce(24, random) || XChaCha20-Poly1305(k, nonce, aad = context).seal(content key)
 * where context names the purpose, the space, the epoch and the recipient's Ed25519 key, so a wrapped key
 * cannot be passed off as another space's, another epoch's or another member's.
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { x25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, randomBytes } from '@noble/hashes/utils.js';
import type { Identity } from '../identity/keys.js';
import { agreementPublicKey, agreementSecretKey } from './key-agreement.js';

export const CONTENT_KEY_BYTES = 32;
const NONCE_BYTES = 24;
const WRAPPED_BYTES = 32 + NONCE_BYTES + CONTENT_KEY_BYTES + 16;

export interface WrapContext {
  readonly space: string;
  readonly epoch: number;
  /** The recipient's Ed25519 public key (text form). */
  readonly recipient: string;
}

/** A fresh random content key for a new epoch. */
export function newContentKey(): Uint8Array {
  return randomBytes(CONTENT_KEY_BYTES);
}

export function wrapContentKey(contentKey: Uint8Array, context: WrapContext): Uint8Array {
  if (contentKey.length !== CONTENT_KEY_BYTES) throw new Error('a content key has 32 bytes');
  const recipient = agreementPublicKey(context.recipient);
  const ephemeral = x25519.utils.randomSecretKey();
  const ephemeralPublic = x25519.getPublicKey(ephemeral);
  const info = contextBytes(context);
  const shared = x25519.getSharedSecret(ephemeral, recipient);
  const key = hkdf(sha256, shared, concatBytes(ephemeralPublic, recipient), info, 32);
  const nonce = randomBytes(NONCE_BYTES);
  try {
    return concatBytes(ephemeralPublic, nonce, xchacha20poly1305(key, nonce, info).encrypt(contentKey));
  } finally {
    ephemeral.fill(0);
    shared.fill(0);
    key.fill(0);
  }
}

/** The content key, or an Error when the wrapping is not for this identity and context, or was altered. */
export function unwrapContentKey(
  wrapped: Uint8Array,
  identity: Identity,
  context: Omit<WrapContext, 'recipient'>,
): Uint8Array {
  if (wrapped.length !== WRAPPED_BYTES) throw new Error('a wrapped key has the wrong length');
  const full: WrapContext = { ...context, recipient: identity.publicKey };
  const ephemeralPublic = wrapped.subarray(0, 32);
  const nonce = wrapped.subarray(32, 32 + NONCE_BYTES);
  const sealed = wrapped.subarray(32 + NONCE_BYTES);
  const secret = agreementSecretKey(identity);
  const info = contextBytes(full);
  let shared: Uint8Array | undefined;
  let key: Uint8Array | undefined;
  try {
    shared = x25519.getSharedSecret(secret, ephemeralPublic);
    key = hkdf(sha256, shared, concatBytes(ephemeralPublic, agreementPublicKey(identity.publicKey)), info, 32);
    return xchacha20poly1305(key, nonce, info).decrypt(sealed);
  } catch {
    throw new Error('this key was not wrapped for this identity, space and epoch, or it was altered');
  } finally {
    secret.fill(0);
    shared?.fill(0);
    key?.fill(0);
  }
}

function contextBytes({ space, epoch, recipient }: WrapContext): Uint8Array {
  return new TextEncoder().encode(`enclave sealed key wrap v1\0${space}\0${epoch}\0${recipient}`);
}
