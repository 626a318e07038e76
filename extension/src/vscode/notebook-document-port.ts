/** A VS Code NotebookDocument as a binding's NotebookPort; edits go through WorkspaceEdit/NotebookEdit. */
import * as vscode from 'vscode';
import type { CellsChange, NotebookPort } from '../binding/notebook-port.js';
import type { CellData, JsonObject } from '../notebook/cell-data.js';
import { fromCell, toCellData } from './notebook-data.js';
import { TextDocumentPort } from './text-document-port.js';

export class NotebookDocumentPort implements NotebookPort<vscode.NotebookCell> {
  constructor(readonly notebook: vscode.NotebookDocument) {}

  cells(): readonly vscode.NotebookCell[] {
    return this.notebook.getCells();
  }

  cellData(cell: vscode.NotebookCell): CellData {
    return fromCell(cell);
  }

  textPort(cell: vscode.NotebookCell): TextDocumentPort {
    return new TextDocumentPort(cell.document);
  }

  metadata(): JsonObject {
    return this.notebook.metadata;
  }

  replaceCells(start: number, deleteCount: number, cells: readonly CellData[]): Promise<boolean> {
    if (start + deleteCount > this.notebook.cellCount) return Promise.resolve(false);
    const range = new vscode.NotebookRange(start, start + deleteCount);
    return this.apply(vscode.NotebookEdit.replaceCells(range, cells.map(toCellData)));
  }

  setCellMetadata(index: number, metadata: JsonObject): Promise<boolean> {
    return this.apply(vscode.NotebookEdit.updateCellMetadata(index, metadata));
  }

  setMetadata(metadata: JsonObject): Promise<boolean> {
    return this.apply(vscode.NotebookEdit.updateNotebookMetadata(metadata));
  }

  private async apply(edit: vscode.NotebookEdit): Promise<boolean> {
    if (this.notebook.isClosed) return false;
    const workspaceEdit = new vscode.WorkspaceEdit();
    workspaceEdit.set(this.notebook.uri, [edit]);
    return vscode.workspace.applyEdit(workspaceEdit);
  }
}

export function cellsChangesOf(event: vscode.NotebookDocumentChangeEvent): CellsChange<vscode.NotebookCell>[] {
  return event.contentChanges.map((change) => ({
    start: change.range.start,
    removed: change.removedCells,
    added: change.addedCells,
  }));
}
