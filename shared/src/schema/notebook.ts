/**
 * `.ipynb` <-> YNotebook, the single place where notebooks change form. YNotebook's own fromJSON/toJSON do
 * the heavy lifting; this module adds what they lose (`metadata.orig_nbformat`), undoes what they add
 * (`collapsed` <-> `jupyter.outputs_hidden` in cell metadata) and checks input.
 */
import { type YBaseCell, YNotebook } from '@jupyter/ydoc';
import type * as Y from 'yjs';
import type * as nbformat from '@jupyterlab/nbformat';
import { withoutPrematureAccessWarnings } from './premature-access.js';

export type NotebookContent = nbformat.INotebookContent;

/** Parses `.ipynb` text into notebook JSON, with errors that say what is wrong. */
export function parseIpynb(text: string): NotebookContent {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`not a notebook: the file is not JSON (${(error as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error('not a notebook: the JSON is not an object');
  }
  const nb = value as Partial<NotebookContent>;
  if (nb.nbformat !== 4) throw new Error(`unsupported notebook: nbformat ${String(nb.nbformat)} (only 4 is supported)`);
  if (typeof nb.nbformat_minor !== 'number') throw new Error('not a notebook: "nbformat_minor" is missing');
  if (!Array.isArray(nb.cells)) throw new Error('not a notebook: "cells" is not a list');
  if (typeof nb.metadata !== 'object' || nb.metadata === null) throw new Error('not a notebook: "metadata" is missing');
  nb.cells.forEach((cell, index) => {
    if (typeof cell !== 'object' || cell === null || !['code', 'markdown', 'raw'].includes(cell.cell_type)) {
      throw new Error(`not a notebook: cell ${index} has no valid "cell_type"`);
    }
  });
  return nb as NotebookContent;
}

/** Writes notebook JSON the way Jupyter does: one-space indent, trailing newline. */
export function serializeIpynb(content: NotebookContent): string {
  return `${JSON.stringify(content, null, 1)}\n`;
}

/**
 * Replaces the whole content of `notebook` with `content`, in one transaction, as edits to the shared
 * document (cells inserted, old cells deleted), so live peers see a replacement rather than a fork.
 */
export function writeNotebook(notebook: YNotebook, content: NotebookContent): void {
  const copy = structuredClone(content) as NotebookContent;
  for (const cell of copy.cells) {
    if (Array.isArray(cell.source)) cell.source = cell.source.join('');
    // YCodeCell stores a stream's text in a Y.Text and would turn an array into "a,b": join it first.
    for (const output of (cell['outputs'] ?? []) as Record<string, unknown>[]) {
      if (output['output_type'] === 'stream' && Array.isArray(output['text'])) {
        output['text'] = (output['text'] as string[]).join('');
      }
    }
  }
  withoutPrematureAccessWarnings(() =>
    notebook.transact(() => {
      notebook.fromJSON(copy);
      // fromJSON drops metadata.orig_nbformat, and some @jupyter/ydoc versions merge metadata into what was
      // there: set it exactly (setMetadata with an object clears first).
      notebook.setMetadata(structuredClone(content.metadata));
      // Through the cells array: YNotebook's `cells` list only follows it once the transaction ends.
      const ycells = notebook.ydoc.getArray<Y.Map<unknown>>('cells');
      copy.cells.forEach((cell, index) => replaceCellMetadata({ ymodel: ycells.get(index) }, cell.metadata ?? {}));
    }),
  );
}

/**
 * Sets a shared cell's metadata to exactly `metadata`. @jupyter/ydoc's `setMetadata` mirrors the legacy
 * `collapsed` key into `jupyter.outputs_hidden` and back, so a cell carrying only one of them would come
 * back from the shared document with both; writing the cell's metadata map directly keeps what was given.
 */
export function replaceCellMetadata(
  cell: Pick<YBaseCell<nbformat.IBaseCellMetadata>, 'ymodel'>,
  metadata: object,
): void {
  const ymetadata = cell.ymodel.get('metadata') as Y.Map<unknown>;
  const wanted = metadata as Record<string, unknown>;
  const write = (): void => {
    for (const key of [...ymetadata.keys()]) if (!(key in wanted) || wanted[key] === undefined) ymetadata.delete(key);
    for (const [key, value] of Object.entries(wanted)) {
      if (value !== undefined && JSON.stringify(ymetadata.get(key)) !== JSON.stringify(value)) {
        ymetadata.set(key, structuredClone(value));
      }
    }
  };
  if (ymetadata.doc) ymetadata.doc.transact(write);
  else write();
}

/** Inserts cells (nbformat JSON) at `index`, as one transaction; what editors call when a user adds cells. */
export function insertNotebookCells(
  notebook: YNotebook,
  index: number,
  cells: nbformat.ICell[],
): ReturnType<YNotebook['insertCells']> {
  let inserted: ReturnType<YNotebook['insertCells']> = [];
  withoutPrematureAccessWarnings(() => {
    notebook.transact(() => {
      inserted = notebook.insertCells(index, structuredClone(cells));
      inserted.forEach((cell, i) => replaceCellMetadata(cell, cells[i]?.metadata ?? {}));
    });
  });
  return inserted;
}

/** The notebook as `.ipynb` JSON. Cell ids are omitted below nbformat 4.5, as nbformat requires. */
export function readNotebook(notebook: YNotebook): NotebookContent {
  // Through JSON, so that keys YNotebook leaves as `undefined` (e.g. attachments) vanish as in a file.
  return JSON.parse(JSON.stringify(notebook.toJSON())) as NotebookContent;
}

/** A detached YNotebook holding `content`; the caller disposes it. */
export function notebookFromContent(content: NotebookContent): YNotebook {
  const notebook = new YNotebook();
  writeNotebook(notebook, content);
  return notebook;
}

/**
 * The form in which two notebooks are compared: multi-line string arrays joined into strings (nbformat
 * treats both forms as equal). Used by tests and by the CLI's `--check` paths, never to alter stored data.
 */
export function normalizeNotebook(content: NotebookContent): unknown {
  const join = (value: unknown): unknown => (Array.isArray(value) ? value.join('') : value);
  const normalizeOutput = (output: Record<string, unknown>): Record<string, unknown> => {
    const result: Record<string, unknown> = { ...output };
    if ('text' in result) result['text'] = join(result['text']);
    if (result['data'] && typeof result['data'] === 'object') {
      result['data'] = Object.fromEntries(
        Object.entries(result['data'] as Record<string, unknown>).map(([mime, value]) => [mime, join(value)]),
      );
    }
    return result;
  };
  return {
    ...content,
    cells: content.cells.map((cell) => {
      const result: Record<string, unknown> = { ...cell, source: join(cell.source) };
      if (Array.isArray(cell['outputs'])) {
        result['outputs'] = (cell['outputs'] as Record<string, unknown>[]).map(normalizeOutput);
      }
      if (cell['attachments'] && typeof cell['attachments'] === 'object') {
        result['attachments'] = Object.fromEntries(
          Object.entries(cell['attachments'] as Record<string, Record<string, unknown>>).map(([name, bundle]) => [
            name,
            Object.fromEntries(Object.entries(bundle).map(([mime, value]) => [mime, join(value)])),
          ]),
        );
      }
      return result;
    }),
  };
}
