/**
 * A sealed message: what members of a sealed space send each other through the relay (document updates,
 * snapshots, presence, document names). The relay can read the header (to check that the author is the
 * connection's identity, the epoch is current and the kind allowed) and nothing else.
 *
 *   header    = version(1) kind(1) epoch(varuint) author(32, Ed25519 key) session(varuint) seq(varuint)
 *               document(varstring, an opaque id)
 *   envelope  = header nonce(24) ciphertext(varbytes) signature(64)
 *   ciphertext = XChaCha20-Poly1305(content key of `epoch`, nonce, aad = DOMAIN space 0 header)
 *   signature  = Ed25519(author, DOMAIN space 0 header nonce ciphertext)
 *
 * The associated data and the signature bind the space, the document, the epoch, the author and the
 * author's sequence (per session), so a message cannot be altered, forged by the relay, or replayed into
 * another space or document; receivers check the sequence to notice replays and withheld messages.
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { randomBytes } from '@noble/hashes/utils.js';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import {
  type Identity,
  formatPublicKey,
  parsePublicKey,
  type PublicKeyText,
  sign,
  SignatureVerifier,
} from '../identity/keys.js';
import { ProtocolViolation } from '../protocol/messages.js';

export const SEALED_FORMAT_VERSION = 1;
const DOMAIN = 'enclave sealed v1\0';
const NONCE_BYTES = 24;
const SIGNATURE_BYTES = 64;

export const SealedKind = {
  /** A Yjs update of the document. */
  Update: 1,
  /** A Yjs snapshot of the whole document, with the sequences it covers (sealed-snapshot.ts). */
  Snapshot: 2,
  /** A y-protocols awareness update (cursors, selections). */
  Presence: 3,
  /** The document's name. */
  Name: 4,
} as const;
export type SealedKindValue = (typeof SealedKind)[keyof typeof SealedKind];

export interface SealedHeader {
  readonly kind: SealedKindValue;
  readonly epoch: number;
  readonly author: PublicKeyText;
  /** The author's session (one per open document), so that two sessions of one identity count apart. */
  readonly session: number;
  /** 1, 2, 3, ... per author session and document. */
  readonly seq: number;
  readonly document: string;
}

/** What sealing needs: the space, the epoch's key, and the author's identity and signing key. */
export interface Sealer {
  readonly space: string;
  readonly epoch: number;
  readonly key: Uint8Array;
  readonly author: Identity;
  readonly signingKey: CryptoKey;
}

export async function seal(
  sealer: Sealer,
  fields: Omit<SealedHeader, 'epoch' | 'author'>,
  plaintext: Uint8Array,
): Promise<Uint8Array> {
  const header = encodeHeader({ ...fields, epoch: sealer.epoch, author: sealer.author.publicKey });
  const nonce = randomBytes(NONCE_BYTES);
  const ciphertext = xchacha20poly1305(sealer.key, nonce, associatedData(sealer.space, header)).encrypt(plaintext);
  const body = encoding.createEncoder();
  encoding.writeUint8Array(body, header);
  encoding.writeUint8Array(body, nonce);
  encoding.writeVarUint8Array(body, ciphertext);
  const signed = encoding.toUint8Array(body);
  const signature = await sign(sealer.signingKey, signedBytes(sealer.space, signed));
  return concat(signed, signature);
}

/** The header: checks the framing only (the relay cannot check the rest). */
export function readSealedHeader(envelope: Uint8Array): SealedHeader {
  return parse(envelope).header;
}

/** The header as the relay reads it on every append: the author as its 32 raw bytes, not formatted. */
export interface RawSealedHeader extends Omit<SealedHeader, 'author'> {
  readonly authorKey: Uint8Array;
}

/** readSealedHeader for the relay's hot path: no text form of the author's key is made per message. */
export function readRawSealedHeader(envelope: Uint8Array): RawSealedHeader {
  return parseRaw(envelope).header;
}

export interface Opened {
  readonly header: SealedHeader;
  readonly plaintext: Uint8Array;
}

/** Thrown when a sealed message fails a check: it is not applied, and the client says so. */
export class TamperedMessage extends Error {
  override readonly name = 'TamperedMessage';
}

/**
 * Verifies and decrypts a sealed message of `space`. `keyOf` gives the content key of an epoch, if this
 * member has it. Throws TamperedMessage when the signature, the encryption or the binding does not hold.
 * A session opening many messages passes its own `verifier`, which imports each author's key once.
 */
export async function openSealed(
  envelope: Uint8Array,
  space: string,
  keyOf: (epoch: number) => Uint8Array | undefined,
  verifier: SignatureVerifier = new SignatureVerifier(),
): Promise<Opened> {
  let parsed: ReturnType<typeof parseRaw>;
  try {
    parsed = parseRaw(envelope);
  } catch {
    throw new TamperedMessage('a sealed message is malformed');
  }
  const { header: raw, headerBytes, nonce, ciphertext, signed, signature } = parsed;
  const { authorKey, ...fields } = raw;
  const header: SealedHeader = { ...fields, author: formatPublicKey(authorKey) };
  if (!(await verifier.verify(authorKey, signature, signedBytes(space, signed)))) {
    throw new TamperedMessage(`a message claiming to be from ${header.author} is not signed by that key`);
  }
  const key = keyOf(header.epoch);
  if (!key) throw new TamperedMessage(`no key for epoch ${header.epoch} of this space`);
  try {
    return { header, plaintext: xchacha20poly1305(key, nonce, associatedData(space, headerBytes)).decrypt(ciphertext) };
  } catch {
    throw new TamperedMessage('a sealed message does not decrypt: altered, or sealed for another space');
  }
}

function encodeHeader(header: SealedHeader): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeUint8(encoder, SEALED_FORMAT_VERSION);
  encoding.writeUint8(encoder, header.kind);
  encoding.writeVarUint(encoder, header.epoch);
  encoding.writeUint8Array(encoder, parsePublicKey(header.author));
  encoding.writeVarUint(encoder, header.session);
  encoding.writeVarUint(encoder, header.seq);
  encoding.writeVarString(encoder, header.document);
  return encoding.toUint8Array(encoder);
}

function parse(envelope: Uint8Array) {
  const { header, ...rest } = parseRaw(envelope);
  const { authorKey, ...fields } = header;
  return { header: { ...fields, author: formatPublicKey(authorKey) } as SealedHeader, ...rest };
}

function parseRaw(envelope: Uint8Array) {
  const decoder = decoding.createDecoder(envelope);
  const version = decoding.readUint8(decoder);
  if (version !== SEALED_FORMAT_VERSION) throw new ProtocolViolation(`sealed format ${version} is not known`);
  const kind = decoding.readUint8(decoder);
  if (!Object.values(SealedKind).includes(kind as SealedKindValue)) {
    throw new ProtocolViolation(`sealed kind ${kind} is not known`);
  }
  const epoch = decoding.readVarUint(decoder);
  const authorKey = decoding.readUint8Array(decoder, 32);
  const session = decoding.readVarUint(decoder);
  const seq = decoding.readVarUint(decoder);
  const document = decoding.readVarString(decoder);
  const headerBytes = envelope.subarray(0, decoder.pos);
  const nonce = decoding.readUint8Array(decoder, NONCE_BYTES);
  const ciphertext = decoding.readVarUint8Array(decoder);
  const signed = envelope.subarray(0, decoder.pos);
  const signature = decoding.readUint8Array(decoder, SIGNATURE_BYTES);
  if (decoding.hasContent(decoder)) throw new ProtocolViolation('bytes after a sealed message');
  const header: RawSealedHeader = { kind: kind as SealedKindValue, epoch, authorKey, session, seq, document };
  return { header, headerBytes, nonce, ciphertext, signed, signature };
}

function associatedData(space: string, header: Uint8Array): Uint8Array {
  return concat(new TextEncoder().encode(`${DOMAIN}${space}\0`), header);
}

function signedBytes(space: string, signed: Uint8Array): Uint8Array {
  return concat(new TextEncoder().encode(`${DOMAIN}sig\0${space}\0`), signed);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
