/**
 * Opening a notebook must not rewrite it. JupyterLab's code cell writes its scrolled view state back into the
 * cell's metadata as soon as it is created: a legacy `scrolled: false` or `scrolled: "auto"` (which JupyterLab
 * shows as not scrolled) is deleted, and in a shared notebook that deletion reaches everyone. On Enclave
 * notebooks the cells are made by a content factory that skips that write when the metadata already means
 * what the view shows; a person's own toggle still writes as usual.
 */
import type { CodeCell } from '@jupyterlab/cells';
import type { Notebook } from '@jupyterlab/notebook';

/** Gives `notebook` (one Enclave notebook widget) a content factory whose code cells keep legacy `scrolled`. */
export function keepLegacyScrolledState(notebook: Notebook): void {
  const factory = notebook.contentFactory;
  const wrapped: Notebook.IContentFactory = Object.create(factory);
  wrapped.createCodeCell = (options) => {
    const cell = factory.createCodeCell(options);
    const save = cell.saveScrolledState.bind(cell);
    cell.saveScrolledState = () => {
      if (!cell.outputsScrolled && notScrolled(cell)) return;
      save();
    };
    return cell;
  };
  // A per-widget field (set once in Notebook's constructor); other notebooks keep the shared factory.
  (notebook as { contentFactory: Notebook.IContentFactory }).contentFactory = wrapped;
}

function notScrolled(cell: CodeCell): boolean {
  const value = cell.model.getMetadata('scrolled');
  return value === undefined || value === false || value === 'auto';
}
