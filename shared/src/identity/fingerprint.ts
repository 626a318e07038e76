/**
 * What humans compare: a short fingerprint of a public key, and a stable colour for presence.
 */
import { parsePublicKey } from './keys.js';
import { defaultCrypto } from './keys.js';

/** `ab12-cd34-ef56-7890`: the first 8 bytes of SHA-256 over the raw key, in hex, grouped for reading aloud. */
export async function fingerprint(publicKey: string, crypto: Crypto = defaultCrypto()): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', parsePublicKey(publicKey)));
  const hex = Array.from(digest.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join('');
  return hex.match(/.{4}/g)!.join('-');
}

/** Colours that read well on light and dark editor themes. */
const PALETTE = [
  '#e6194b',
  '#3cb44b',
  '#4363d8',
  '#f58231',
  '#911eb4',
  '#42d4f4',
  '#f032e6',
  '#469990',
  '#9a6324',
  '#800000',
  '#808000',
  '#000075',
  '#e6beff',
  '#aaffc3',
] as const;

/** A colour derived from the fingerprint, so everyone sees the same person in the same colour. */
export function colorForFingerprint(fp: string): string {
  let hash = 0;
  for (const ch of fp) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return PALETTE[hash % PALETTE.length]!;
}

/** Initials for avatars: the first letters of the first two words of a display name. */
export function initialsOf(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  return (
    words
      .slice(0, 2)
      .map((w) => [...w][0]!.toUpperCase())
      .join('') || '?'
  );
}
