/**
 * Makes a viewer's document read-only in the UI: every cell editor (including cells that arrive later) of
 * a notebook, or the file editor of a draft. The relay drops a viewer's writes anyway; this keeps the
 * person from typing into a document that would not keep their changes.
 */
import type { Cell } from '@jupyterlab/cells';
import type { NotebookPanel } from '@jupyterlab/notebook';
import type { IDisposable } from '@lumino/disposable';
import type { DocumentLink } from '../session/document-link.js';

export class NotebookReadOnlyGuard implements IDisposable {
  private disposed = false;

  constructor(
    private readonly panel: NotebookPanel,
    private readonly link: DocumentLink,
  ) {
    link.on('role', this.apply);
    panel.content.model?.cells.changed.connect(this.apply, this);
    panel.disposed.connect(this.dispose, this);
    this.apply();
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.link.off('role', this.apply);
    this.panel.content.model?.cells.changed.disconnect(this.apply, this);
  }

  private readonly apply = (): void => {
    if (this.disposed) return;
    const readOnly = this.link.readOnly;
    const model = this.panel.content.model;
    if (model) model.readOnly = readOnly;
    // Cell widgets are created after the model changes; apply once they exist.
    requestAnimationFrame(() => {
      this.panel.content.widgets.forEach((cell: Cell) => {
        cell.readOnly = readOnly;
      });
      this.panel.node.classList.toggle('enclave-read-only', readOnly);
    });
  };
}
