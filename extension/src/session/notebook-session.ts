/** A shared notebook bound to a VS Code NotebookDocument through a NotebookBinding. */
import type * as vscode from 'vscode';
import type { YNotebook } from '@jupyter/ydoc';
import type { BindableModel, OpenedDocument } from '@enclave/shared';
import type * as Y from 'yjs';
import { NotebookBinding } from '../binding/notebook-binding.js';
import { OwnEditsUndo } from '../undo/own-edits-undo.js';
import { OwnCellRuns } from './own-cell-runs.js';
import { cellsChangesOf, NotebookDocumentPort } from '../vscode/notebook-document-port.js';
import { textChangesOf } from '../vscode/text-document-port.js';
import { type DocumentAddress, describeAddress } from './address.js';
import { readOnlyNotice } from './read-only-notice.js';
import { SharedSession } from './shared-session.js';

export class NotebookSession extends SharedSession {
  readonly kind = 'notebook' as const;
  readonly binding: NotebookBinding<vscode.NotebookCell>;
  readonly ownEdits: OwnEditsUndo;
  /** The cells this VS Code runs, published for the others. */
  readonly runs: OwnCellRuns;
  private lastEdited: vscode.NotebookCell | undefined;

  constructor(
    address: DocumentAddress,
    opened: OpenedDocument<BindableModel>,
    readonly model: YNotebook,
    readonly notebook: vscode.NotebookDocument,
    /** The shared cell each editor cell was filled from, in order. */
    initial: readonly Y.Map<unknown>[],
    onError: (error: unknown) => void,
  ) {
    super(address, opened);
    this.binding = new NotebookBinding({ notebook: model, port: new NotebookDocumentPort(notebook), initial, onError });
    this.binding.onRejectedEdit = readOnlyNotice(describeAddress(address), () => this.removed);
    // The cells (list, sources, outputs, cell metadata); the notebook's metadata (kernel) is not undone.
    this.ownEdits = new OwnEditsUndo(model.ydoc.getArray('cells'), this.binding.origin);
    this.runs = new OwnCellRuns(this.awareness, (cell) => this.sharedIdOf(cell));
    this.followRole();
  }

  get editorUri(): vscode.Uri {
    return this.notebook.uri;
  }

  get localOrigin(): object {
    return this.binding.origin;
  }

  /** The id of the shared cell an editor cell shows (what awareness names cells by). */
  sharedIdOf(cell: vscode.NotebookCell): string | undefined {
    const id = this.binding.sharedCellOf(cell)?.get('id');
    return typeof id === 'string' ? id : undefined;
  }

  onNotebookChanged(event: vscode.NotebookDocumentChangeEvent): void {
    if (event.contentChanges.length > 0) {
      // A change to the list of cells is an undo step of its own, apart from typing before or after it.
      this.ownEdits.stopCapturing();
      this.lastEdited = undefined;
      this.binding.onEditorCells(cellsChangesOf(event));
    }
    for (const change of event.cellChanges) {
      // A run's execution count arrives as an execution summary (with no output, nothing else changes).
      if (change.metadata || change.outputs || change.executionSummary) {
        this.binding.onEditorCell(change.cell, {
          metadata: !!change.metadata,
          executionCount: !!change.executionSummary,
          outputs: !!change.outputs,
        });
      }
    }
    if (event.metadata) this.binding.onEditorMetadata();
    this.runs.onNotebookChanged(event);
  }

  ownsTextDocument(document: vscode.TextDocument): boolean {
    return this.cellOf(document) !== undefined;
  }

  onTextDocumentChanged(event: vscode.TextDocumentChangeEvent): void {
    const cell = this.cellOf(event.document);
    if (!cell || event.contentChanges.length === 0) return;
    // Typing in another cell starts a new undo step (as VS Code's per-cell undo does).
    if (cell !== this.lastEdited) this.ownEdits.stopCapturing();
    this.lastEdited = cell;
    this.binding.onEditorText(cell, textChangesOf(event));
  }

  /** The shared id of the cell showing `document`, for presence. */
  cellOf(document: vscode.TextDocument): vscode.NotebookCell | undefined {
    if (document.uri.scheme !== 'vscode-notebook-cell') return undefined;
    return this.notebook.getCells().find((cell) => cell.document === document);
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
