/**
 * Document names in a sealed space: the relay sees a random opaque id per document; the real name travels
 * sealed (SealedKind.Name) with the document's record, and members' clients list and open by real name.
 */
import { fromBase64Url, toBase64Url } from '../encoding/base64url.js';
import type { DocumentInfo } from '../protocol/messages.js';
import { openSealed, seal, type Sealer, SealedKind } from './envelope.js';

/** A fresh opaque document id: 16 random bytes, base64url (a valid room name). */
export function newDocumentId(): string {
  return `s-${toBase64Url(crypto.getRandomValues(new Uint8Array(16)))}`;
}

export async function sealName(sealer: Sealer, documentId: string, name: string): Promise<string> {
  const sealed = await seal(
    sealer,
    { kind: SealedKind.Name, session: 0, seq: 0, document: documentId },
    new TextEncoder().encode(name),
  );
  return toBase64Url(sealed);
}

/** The real name of a listed document, or undefined if it cannot be opened (no key, tampered). */
export async function openName(
  info: DocumentInfo,
  space: string,
  keyOf: (epoch: number) => Uint8Array | undefined,
): Promise<string | undefined> {
  if (!info.sealedName) return undefined;
  try {
    const opened = await openSealed(fromBase64Url(info.sealedName), space, keyOf);
    if (opened.header.kind !== SealedKind.Name || opened.header.document !== info.name) return undefined;
    return new TextDecoder().decode(opened.plaintext);
  } catch {
    return undefined;
  }
}
