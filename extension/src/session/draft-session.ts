/** A shared text draft bound to a VS Code TextDocument through a TextBinding. */
import type * as vscode from 'vscode';
import type { YFile } from '@jupyter/ydoc';
import type { BindableModel, OpenedDocument } from '@enclave/shared';
import { TextBinding } from '../binding/text-binding.js';
import { OwnEditsUndo } from '../undo/own-edits-undo.js';
import { TextDocumentPort, textChangesOf } from '../vscode/text-document-port.js';
import { type DocumentAddress, describeAddress } from './address.js';
import { readOnlyNotice } from './read-only-notice.js';
import { SharedSession } from './shared-session.js';

export class DraftSession extends SharedSession {
  readonly kind = 'draft' as const;
  readonly binding: TextBinding;
  readonly ownEdits: OwnEditsUndo;
  readonly localOrigin = {};

  constructor(
    address: DocumentAddress,
    opened: OpenedDocument<BindableModel>,
    readonly model: YFile,
    readonly document: vscode.TextDocument,
    onError: (error: unknown) => void,
  ) {
    super(address, opened);
    this.binding = new TextBinding(model.ysource, new TextDocumentPort(document), this.localOrigin, onError);
    this.binding.onRejectedEdit = readOnlyNotice(describeAddress(address), () => this.removed);
    this.ownEdits = new OwnEditsUndo(model.ysource, this.localOrigin);
    this.followRole();
  }

  get editorUri(): vscode.Uri {
    return this.document.uri;
  }

  ownsTextDocument(document: vscode.TextDocument): boolean {
    return document === this.document;
  }

  onTextDocumentChanged(event: vscode.TextDocumentChangeEvent): void {
    if (event.contentChanges.length > 0) this.binding.onEditorChanges(textChangesOf(event));
  }

  whenIdle(): Promise<void> {
    return this.binding.whenIdle();
  }

  protected setReadOnly(readOnly: boolean): void {
    this.binding.readOnly = readOnly;
  }

  protected disposeBinding(): void {
    this.ownEdits.dispose();
    this.binding.dispose();
    this.model.dispose();
  }
}
