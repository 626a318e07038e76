/**
 * Ed25519 identities through WebCrypto, which Node 20, Chromium and VS Code's web worker all provide.
 * The crypto object is passed in (defaulting to the global one) so that nothing here depends on a platform.
 */
import { fromBase64Url, toBase64Url } from '../encoding/base64url.js';

export const PUBLIC_KEY_PREFIX = 'ed25519:';
export const SECRET_KEY_PREFIX = 'ed25519-secret:';
const ED25519 = { name: 'Ed25519' } as const;

/** The text form of a public key: `ed25519:<base64url of 32 bytes>`. */
export type PublicKeyText = `ed25519:${string}`;

/** What a person holds: their display name and key pair. The secret never leaves their machine. */
export interface Identity {
  readonly name: string;
  readonly publicKey: PublicKeyText;
  /** `ed25519-secret:<base64url of the 32-byte seed>`. */
  readonly secretKey: string;
}

export function defaultCrypto(): Crypto {
  const found = (globalThis as { crypto?: Crypto }).crypto;
  if (!found?.subtle) throw new Error('WebCrypto is not available on this platform');
  return found;
}

export function isPublicKeyText(text: unknown): text is PublicKeyText {
  if (typeof text !== 'string' || !text.startsWith(PUBLIC_KEY_PREFIX)) return false;
  try {
    return fromBase64Url(text.slice(PUBLIC_KEY_PREFIX.length)).length === 32;
  } catch {
    return false;
  }
}

/** Parses a public key's text form, with an error that says what is wrong. */
export function parsePublicKey(text: string): Uint8Array<ArrayBuffer> {
  if (!text.startsWith(PUBLIC_KEY_PREFIX)) {
    throw new Error(`a public key starts with "${PUBLIC_KEY_PREFIX}"`);
  }
  let raw: Uint8Array<ArrayBuffer>;
  try {
    raw = fromBase64Url(text.slice(PUBLIC_KEY_PREFIX.length));
  } catch {
    throw new Error('a public key is base64url text after "ed25519:"');
  }
  if (raw.length !== 32) throw new Error(`a public key has 32 bytes, this one has ${raw.length}`);
  return raw;
}

export function formatPublicKey(raw: Uint8Array): PublicKeyText {
  return `${PUBLIC_KEY_PREFIX}${toBase64Url(raw)}`;
}

export async function generateIdentity(name: string, crypto: Crypto = defaultCrypto()): Promise<Identity> {
  const pair = (await crypto.subtle.generateKey(ED25519, true, ['sign', 'verify'])) as CryptoKeyPair;
  const jwk = await crypto.subtle.exportKey('jwk', pair.privateKey);
  if (!jwk.d || !jwk.x) throw new Error('WebCrypto returned an Ed25519 key without its parts');
  return {
    name,
    publicKey: `${PUBLIC_KEY_PREFIX}${jwk.x}`,
    secretKey: `${SECRET_KEY_PREFIX}${jwk.d}`,
  };
}

/** A signing key ready for use; import once per session, not per signature. */
export async function importSigningKey(identity: Identity, crypto: Crypto = defaultCrypto()): Promise<CryptoKey> {
  if (!identity.secretKey.startsWith(SECRET_KEY_PREFIX)) {
    throw new Error(`a secret key starts with "${SECRET_KEY_PREFIX}"`);
  }
  parsePublicKey(identity.publicKey);
  const d = identity.secretKey.slice(SECRET_KEY_PREFIX.length);
  const x = identity.publicKey.slice(PUBLIC_KEY_PREFIX.length);
  try {
    return await crypto.subtle.importKey('jwk', { kty: 'OKP', crv: 'Ed25519', d, x }, ED25519, false, ['sign']);
  } catch {
    throw new Error('the secret key does not belong to the public key, or is not an Ed25519 key');
  }
}

export async function sign(key: CryptoKey, data: Uint8Array, crypto: Crypto = defaultCrypto()): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign(ED25519, key, new Uint8Array(data)));
}

/** True only for a valid signature by `publicKey`; malformed keys and signatures are simply not valid. */
export async function verify(
  publicKey: string,
  signature: Uint8Array,
  data: Uint8Array,
  crypto: Crypto = defaultCrypto(),
): Promise<boolean> {
  if (signature.length !== 64) return false;
  try {
    const key = await crypto.subtle.importKey('raw', parsePublicKey(publicKey), ED25519, false, ['verify']);
    return await crypto.subtle.verify(ED25519, key, new Uint8Array(signature), new Uint8Array(data));
  } catch {
    return false;
  }
}

/**
 * Verifies Ed25519 signatures by raw 32-byte public keys, importing each key into WebCrypto once: for a
 * member opening every sealed message of a few authors, importing the same key again each time cost about
 * a fifth of opening one. Holds at most `limit` keys (public keys: nothing secret is kept).
 */
export class SignatureVerifier {
  private readonly keys = new Map<string, Promise<CryptoKey | undefined>>();

  constructor(
    private readonly crypto: Crypto = defaultCrypto(),
    private readonly limit = 256,
  ) {}

  async verify(publicKey: Uint8Array, signature: Uint8Array, data: Uint8Array): Promise<boolean> {
    if (signature.length !== 64 || publicKey.length !== 32) return false;
    const key = await this.importOnce(publicKey);
    if (!key) return false;
    try {
      return await this.crypto.subtle.verify(ED25519, key, new Uint8Array(signature), new Uint8Array(data));
    } catch {
      return false;
    }
  }

  private importOnce(publicKey: Uint8Array): Promise<CryptoKey | undefined> {
    const id = toBase64Url(publicKey);
    let key = this.keys.get(id);
    if (!key) {
      if (this.keys.size >= this.limit) this.keys.delete(this.keys.keys().next().value!);
      key = this.crypto.subtle
        .importKey('raw', new Uint8Array(publicKey), ED25519, false, ['verify'])
        .catch(() => undefined);
      this.keys.set(id, key);
    }
    return key;
  }
}

/** Checks that an identity's secret key signs for its public key (catches a mismatched or corrupted file). */
export async function checkIdentity(identity: Identity, crypto: Crypto = defaultCrypto()): Promise<void> {
  const key = await importSigningKey(identity, crypto);
  const probe = new TextEncoder().encode('enclave identity check');
  if (!(await verify(identity.publicKey, await sign(key, probe, crypto), probe, crypto))) {
    throw new Error('the secret key does not belong to the public key');
  }
}
