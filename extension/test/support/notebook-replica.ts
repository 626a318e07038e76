/** A YNotebook bound to an in-memory notebook editor, as one participant of a binding unit test. */
import { type YNotebook } from '@jupyter/ydoc';
import type * as nbformat from '@jupyterlab/nbformat';
import { normalizeNotebook, readNotebook } from '@enclave/shared';
import { NotebookBinding } from '../../src/binding/notebook-binding.js';
import { notebookFromJupyter, notebookToJupyter } from '../../src/notebook/cells.js';
import { MemoryNotebook, type MemoryCell } from './memory-notebook.js';
import type { TaskQueue } from './task-queue.js';

export interface NotebookReplica {
  readonly notebook: YNotebook;
  readonly editor: MemoryNotebook;
  readonly binding: NotebookBinding<MemoryCell>;
  dispose(): void;
}

/** Binds an editor filled from the notebook's current content. */
export function bindEditor(notebook: YNotebook, queue: TaskQueue, errors: unknown[]): NotebookReplica {
  const editor = new MemoryNotebook(notebookFromJupyter(readNotebook(notebook)), queue);
  const binding = new NotebookBinding({
    notebook,
    port: editor,
    initial: notebook.cells.map((cell) => cell.ymodel),
    onError: (error) => errors.push(error),
  });
  editor.listener = {
    cells: (changes) => binding.onEditorCells(changes),
    cell: (cell, change) => binding.onEditorCell(cell, change),
    text: (cell, changes) => binding.onEditorText(cell, changes),
    metadata: () => binding.onEditorMetadata(),
  };
  return {
    notebook,
    editor,
    binding,
    dispose: () => {
      binding.dispose();
      notebook.dispose();
    },
  };
}

/** The editor's notebook as nbformat JSON. */
export function editorContent(editor: MemoryNotebook): nbformat.INotebookContent {
  return notebookToJupyter({ cells: editor.cells().map((cell) => editor.cellData(cell)), metadata: editor.metadata() });
}

/** A form two notebooks are compared in: lines joined, cell ids dropped (an editor may not have them yet). */
export function comparable(content: nbformat.INotebookContent): unknown {
  const normalized = normalizeNotebook(content) as { cells: Record<string, unknown>[] };
  return JSON.parse(
    JSON.stringify({
      ...normalized,
      cells: normalized.cells.map(({ id: _id, ...cell }) => cell),
    }),
  );
}

export function sharedContent(notebook: YNotebook): nbformat.INotebookContent {
  return readNotebook(notebook);
}
