/**
 * What a text binding needs from an editor's document. VS Code's TextDocument is adapted to it in
 * src/vscode; the unit tests use an in-memory document with VS Code's asynchronous edit semantics.
 */
import type { TextChange } from './text-change.js';

export interface TextPort {
  /** The document's current text. */
  readonly text: string;
  /** Increases by one with every change to the document, local or applied. */
  readonly version: number;
  /**
   * Applies `change` if the document is still at `version`; resolves false when it changed meanwhile (the
   * caller retries after the local change has been taken in). The document's own change event for an
   * applied change arrives before this resolves.
   */
  apply(change: TextChange, version: number): Promise<boolean>;
}
