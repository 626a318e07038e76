/**
 * Comparing an editor cell with its shared cell, and writing the editor's metadata and outputs into the
 * shared cell (only what differs, so echoes of our own edits write nothing).
 */
import { replaceCellMetadata } from '@enclave/shared';
import type { YCellType } from '@jupyter/ydoc';
import type * as nbformat from '@jupyterlab/nbformat';
import type { CellData, JsonObject } from '../notebook/cell-data.js';
import { cellToJupyter, editorExecutionCount } from '../notebook/cells.js';
import { jsonEqual } from '../notebook/json-equal.js';
import { normalizeOutput } from '../notebook/outputs.js';

export function outputsEqual(a: readonly nbformat.IOutput[], b: readonly nbformat.IOutput[]): boolean {
  return a.length === b.length && a.every((output, i) => jsonEqual(normalizeOutput(output), normalizeOutput(b[i]!)));
}

/** Whether anything but the source differs (the source has its own TextBinding). */
export function cellDiffers(editor: CellData, shared: YCellType): boolean {
  const { source: _a, outputs: localOutputs, ...localRest } = cellToJupyter(editor) as JsonObject;
  const { source: _b, outputs: sharedOutputs, ...sharedRest } = shared.toJSON() as JsonObject;
  return (
    !jsonEqual(localRest, sharedRest) ||
    !outputsEqual((localOutputs as nbformat.IOutput[]) ?? [], (sharedOutputs as nbformat.IOutput[]) ?? [])
  );
}

/**
 * Writes the editor cell's metadata (with id, execution count, attachments), its execution count alone (a run
 * in this editor that produced no output), and/or outputs into `ycell`.
 */
export function writeEditorCell(
  ycell: YCellType,
  editor: CellData,
  what: { readonly metadata?: boolean; readonly executionCount?: boolean; readonly outputs?: boolean },
): void {
  const local = cellToJupyter(editor);
  const shared = ycell.toJSON();
  if (what.metadata) {
    if (!jsonEqual(local.metadata, shared.metadata)) replaceCellMetadata(ycell, local.metadata as JsonObject);
    if (typeof local.id === 'string' && local.id !== shared.id) ycell.ymodel.set('id', local.id);
    if (ycell.cell_type !== 'code' && !jsonEqual(local['attachments'], shared['attachments'])) {
      ycell.setAttachments(local['attachments'] as nbformat.IAttachments | undefined);
    }
  }
  if ((what.metadata || what.executionCount) && ycell.cell_type === 'code') {
    const count = editorExecutionCount(editor, !!what.executionCount);
    if (count !== shared['execution_count']) ycell.execution_count = count;
  }
  if (what.outputs && ycell.cell_type === 'code') {
    const outputs = (local['outputs'] as nbformat.IOutput[]) ?? [];
    if (!outputsEqual(outputs, ycell.outputs)) ycell.setOutputs(outputs);
  }
}
