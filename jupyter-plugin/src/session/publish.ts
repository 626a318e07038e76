/**
 * Shares a local notebook or text file into a document room: the sharing rule is that local content goes
 * into a new document, or replaces an existing one only when the person said so (never merged into it,
 * which would duplicate cells). Works on a detached YNotebook/YFile, then flushes to the relay; the caller
 * then opens the shared document as any other (into an empty model).
 */
import {
  type DocumentKind,
  type Identity,
  type NotebookContent,
  type RoomAddress,
  type WebSocketConstructor,
  writeDraft,
  writeNotebook,
} from '@enclave/shared';
import { YFile, YNotebook } from '@jupyter/ydoc';
import { DocumentLink } from './document-link.js';

export type LocalContent =
  { readonly kind: 'notebook'; readonly notebook: NotebookContent } | { readonly kind: 'draft'; readonly text: string };

export interface PublishOptions {
  readonly relayUrl: string;
  /** The same relay service's other addresses, tried when `relayUrl` fails or dies. */
  readonly alternateUrls?: readonly string[];
  readonly room: RoomAddress;
  readonly identity: Identity;
  readonly WebSocket: WebSocketConstructor;
  readonly content: LocalContent;
  /**
   * Asked when the room already holds a document with content; resolve true to replace it. Without it,
   * publishing into a non-empty document fails.
   */
  readonly confirmReplace?: (existing: { kind: DocumentKind }) => Promise<boolean>;
}

export class ReplaceDeclinedError extends Error {
  override readonly name = 'ReplaceDeclinedError';
}

/** Publishes `content`; resolves once the relay has stored it durably. */
export async function publish(options: PublishOptions): Promise<{ replaced: boolean }> {
  const { content } = options;
  const model = content.kind === 'notebook' ? new YNotebook() : new YFile();
  const link = new DocumentLink({
    relayUrl: options.relayUrl,
    alternateUrls: options.alternateUrls ?? [],
    room: options.room,
    identity: options.identity,
    WebSocket: options.WebSocket,
    model,
    create: content.kind,
  });
  try {
    await link.whenSynced();
    const existingKind = link.document?.kind;
    if (existingKind && existingKind !== content.kind) {
      throw new Error(`${link.name} is a ${existingKind}, not a ${content.kind}: choose another name`);
    }
    const hasContent = model instanceof YNotebook ? model.cells.length > 0 : model.source.length > 0;
    if (hasContent) {
      const replace = options.confirmReplace ? await options.confirmReplace({ kind: content.kind }) : false;
      if (!replace) throw new ReplaceDeclinedError(`${link.name} already has content; it was left unchanged`);
    }
    if (content.kind === 'notebook') writeNotebook(model as YNotebook, content.notebook);
    else writeDraft(model as YFile, content.text);
    await link.flush();
    return { replaced: hasContent };
  } finally {
    link.destroy();
    model.dispose();
  }
}
