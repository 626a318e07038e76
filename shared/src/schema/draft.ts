/**
 * Text <-> YFile. A draft's text is kept exactly: line ends (CRLF or LF), non-ASCII characters and a
 * byte-order mark survive, because the Y.Text holds the decoded string unchanged.
 */
import { type YFile } from '@jupyter/ydoc';

/** Replaces the draft's text in one transaction. */
export function writeDraft(file: YFile, text: string): void {
  file.transact(() => {
    file.source = text;
  });
}

export function readDraft(file: YFile): string {
  return file.source;
}

/** Decodes a file's bytes as UTF-8 text, refusing bytes that are not text rather than mangling them. */
export function decodeDraftBytes(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new Error('not a text file: drafts must be UTF-8 text');
  }
}

export function encodeDraftText(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}
