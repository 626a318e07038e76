/**
 * nbformat cells <-> editor cells, as VS Code's built-in ipynb support maps them: markdown cells are
 * Markup, raw cells are Code cells in the `raw` language, and the cell's nbformat fields that have no
 * editor counterpart live in the editor cell's metadata as `{ execution_count, metadata, id, attachments }`.
 */
import type * as nbformat from '@jupyterlab/nbformat';
import { type CellData, CellKind, type JsonObject, type NotebookDataLike } from './cell-data.js';
import { joinMultiline, outputFromJupyter, outputToJupyter } from './outputs.js';

export const RAW_LANGUAGE = 'raw';

/** The language of a notebook's code cells, from its metadata (as Jupyter records it). */
export function preferredLanguage(metadata: JsonObject | undefined): string {
  const info = metadata?.['language_info'] as { name?: unknown } | undefined;
  const kernel = metadata?.['kernelspec'] as { language?: unknown } | undefined;
  const name =
    typeof info?.name === 'string' ? info.name : typeof kernel?.language === 'string' ? kernel.language : 'python';
  return name.toLowerCase();
}

/** The editor cell metadata for an nbformat cell. */
export function editorCellMetadata(cell: nbformat.ICell): JsonObject {
  const result: JsonObject = {};
  if (cell.cell_type === 'code') {
    result['execution_count'] = typeof cell['execution_count'] === 'number' ? cell['execution_count'] : null;
  }
  if (cell.metadata) result['metadata'] = structuredClone(cell.metadata);
  if (typeof cell.id === 'string') result['id'] = cell.id;
  if (cell['attachments']) result['attachments'] = structuredClone(cell['attachments']);
  return result;
}

export function cellFromJupyter(cell: nbformat.ICell, language: string): CellData {
  const value = joinMultiline(cell.source);
  const metadata = editorCellMetadata(cell);
  if (cell.cell_type === 'markdown')
    return { kind: CellKind.Markup, value, languageId: 'markdown', metadata, outputs: [] };
  if (cell.cell_type !== 'code') return { kind: CellKind.Code, value, languageId: RAW_LANGUAGE, metadata, outputs: [] };
  const vscodeMeta = (cell.metadata?.['vscode'] as { languageId?: unknown } | undefined)?.languageId;
  const count = cell['execution_count'];
  return {
    kind: CellKind.Code,
    value,
    languageId: typeof vscodeMeta === 'string' ? vscodeMeta : language,
    metadata,
    outputs: ((cell['outputs'] as nbformat.IOutput[] | undefined) ?? []).map(outputFromJupyter),
    executionSummary: typeof count === 'number' && count > 0 ? { executionOrder: count } : {},
  };
}

/** The nbformat cell for an editor cell; `source` is one string, as the shared schema stores it. */
export function cellToJupyter(cell: CellData): nbformat.ICell {
  const meta = cell.metadata;
  const base: JsonObject = {
    source: cell.value,
    metadata: structuredClone((meta['metadata'] as JsonObject | undefined) ?? {}),
  };
  if (typeof meta['id'] === 'string') base['id'] = meta['id'];
  if (cell.kind === CellKind.Markup || cell.languageId === RAW_LANGUAGE) {
    if (meta['attachments']) base['attachments'] = structuredClone(meta['attachments']);
    return { ...base, cell_type: cell.kind === CellKind.Markup ? 'markdown' : 'raw' } as nbformat.ICell;
  }
  return {
    ...base,
    cell_type: 'code',
    execution_count: editorExecutionCount(cell, false),
    outputs: cell.outputs.map(outputToJupyter),
  } as nbformat.ICell;
}

/**
 * A code cell's execution count as the editor shows it. The execution summary is the truth: a run in the
 * editor sets it (cleared while queued, the count when it ends), while the count in the cell metadata is
 * synced from it only by VS Code's desktop ipynb support, later, and never in VS Code for the web. The
 * metadata's count stands only when the summary has none and the change is not a run's.
 */
export function editorExecutionCount(editor: CellData, fromRun: boolean): number | null {
  const order = editor.executionSummary?.executionOrder;
  if (typeof order === 'number') return order;
  if (fromRun) return null;
  const count = editor.metadata['execution_count'];
  return typeof count === 'number' ? count : null;
}

/** The editor's form of a whole notebook. */
export function notebookFromJupyter(content: nbformat.INotebookContent): NotebookDataLike {
  const language = preferredLanguage(content.metadata);
  return {
    cells: content.cells.map((cell) => cellFromJupyter(cell, language)),
    metadata: notebookMetadataFromJupyter(content),
  };
}

export function notebookMetadataFromJupyter(content: Omit<nbformat.INotebookContent, 'cells'>): JsonObject {
  return {
    nbformat: content.nbformat,
    nbformat_minor: content.nbformat_minor,
    metadata: structuredClone(content.metadata ?? {}),
  };
}

export function notebookToJupyter(data: NotebookDataLike): nbformat.INotebookContent {
  const meta = data.metadata;
  return {
    nbformat: typeof meta['nbformat'] === 'number' ? meta['nbformat'] : 4,
    nbformat_minor: typeof meta['nbformat_minor'] === 'number' ? meta['nbformat_minor'] : 5,
    metadata: structuredClone((meta['metadata'] as nbformat.INotebookMetadata | undefined) ?? {}),
    cells: data.cells.map(cellToJupyter),
  } as nbformat.INotebookContent;
}
