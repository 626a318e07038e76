/**
 * The authentication handshake's signed payload, and the client's and relay's halves of it.
 * The signature covers (challenge nonce, relay id, room, protocol version): a signature made for one
 * connection, relay, room or version is worthless for any other.
 */
import { fromBase64Url, toBase64Url } from '../encoding/base64url.js';
import { defaultCrypto, sign, verify } from '../identity/keys.js';
import type { AuthenticateMessage, ChallengeMessage } from './messages.js';
import type { Identity } from '../identity/keys.js';

const DOMAIN = 'enclave-auth';

export interface SignedFields {
  readonly nonce: string;
  readonly relayId: string;
  readonly room: string;
  readonly protocol: number;
}

/** The exact bytes that are signed. Newline-separated; none of the fields can contain a newline. */
export function authPayload(fields: SignedFields): Uint8Array {
  for (const [key, value] of Object.entries(fields)) {
    if (String(value).includes('\n')) throw new Error(`handshake field ${key} contains a newline`);
  }
  return new TextEncoder().encode(
    [DOMAIN, `v${fields.protocol}`, fields.relayId, fields.room, fields.nonce].join('\n'),
  );
}

export function newNonce(crypto: Crypto = defaultCrypto()): string {
  return toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
}

/** The client's answer to a challenge. */
export async function answerChallenge(
  challenge: ChallengeMessage,
  identity: Identity,
  signingKey: CryptoKey,
  room: string,
  protocol: number,
  crypto: Crypto = defaultCrypto(),
): Promise<AuthenticateMessage> {
  const payload = authPayload({ nonce: challenge.nonce, relayId: challenge.relayId, room, protocol });
  const signature = await sign(signingKey, payload, crypto);
  return { type: 'authenticate', protocol, publicKey: identity.publicKey, signature: toBase64Url(signature) };
}

/** The relay's check of an answer against the challenge it issued on this connection. */
export async function verifyAnswer(
  answer: AuthenticateMessage,
  issued: { readonly nonce: string; readonly relayId: string; readonly room: string },
  crypto: Crypto = defaultCrypto(),
): Promise<boolean> {
  let signature: Uint8Array;
  try {
    signature = fromBase64Url(answer.signature);
  } catch {
    return false;
  }
  const payload = authPayload({ ...issued, protocol: answer.protocol });
  return verify(answer.publicKey, signature, payload, crypto);
}
