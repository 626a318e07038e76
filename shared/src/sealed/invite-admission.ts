/**
 * How an invite's redemption reaches a sealed space's membership chain without the relay being able to
 * forge one. The inviting lead cannot sign the redeemer's key in advance, so:
 *   secret = HKDF-SHA256(ikm = the lead's Ed25519 seed, salt = purpose, info = [relay, space, invite id]);
 *   the invite link carries `secret` beside the token (the link goes from person to person, never to the
 *   relay; only the token is sent to it);
 *   the redeemer sends proof = HMAC-SHA256(secret, its public key) with the token;
 *   the inviting lead's client, recomputing `secret` from its own key and the invite id, checks the proof
 *   (constant time) and only then signs the admission into the chain and wraps keys.
 * The relay sees the token and the proof but never the secret, so it can neither make a proof for a key of
 * its own nor move a real proof to another key or invite.
 */
import { equalBytes } from '@noble/ciphers/utils.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { fromBase64Url, toBase64Url } from '../encoding/base64url.js';
import { type Identity, type PublicKeyText, SECRET_KEY_PREFIX } from '../identity/keys.js';

const PURPOSE = new TextEncoder().encode('enclave-invite-admission-v1');

/** The admission secret of invite `inviteId`, base64url: only the lead who made the invite can compute it. */
export function inviteSecret(lead: Identity, relayId: string, space: string, inviteId: string): string {
  const seed = fromBase64Url(lead.secretKey.slice(SECRET_KEY_PREFIX.length));
  try {
    const info = new TextEncoder().encode(JSON.stringify([relayId, space, inviteId]));
    return toBase64Url(hkdf(sha256, seed, PURPOSE, info, 32));
  } finally {
    seed.fill(0);
  }
}

/** What the redeemer sends: a MAC of its own public key under the link's admission secret, base64url. */
export function inviteProof(secret: string, publicKey: PublicKeyText): string {
  return toBase64Url(hmac(sha256, fromBase64Url(secret), new TextEncoder().encode(publicKey)));
}

/** Whether `proof` shows that `redeemer` held the admission secret of the lead's invite `inviteId`. */
export function checkInviteProof(
  lead: Identity,
  relayId: string,
  space: string,
  inviteId: string,
  redeemer: PublicKeyText,
  proof: string,
): boolean {
  let given: Uint8Array;
  try {
    given = fromBase64Url(proof);
  } catch {
    return false;
  }
  const expected = fromBase64Url(inviteProof(inviteSecret(lead, relayId, space, inviteId), redeemer));
  return given.length === expected.length && equalBytes(given, expected);
}
