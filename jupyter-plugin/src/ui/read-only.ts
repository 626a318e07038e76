/**
 * Makes a viewer's document read-only in the UI: every cell editor (including cells that arrive later) of
 * a notebook, or the file editor of a draft. The relay drops a viewer's writes anyway; this keeps the
 * person from typing into a document that would not keep their changes.
 */
import type { Cell } from '@jupyterlab/cells';
import type { NotebookPanel } from '@jupyterlab/notebook';
import type { IDisposable } from '@lumino/disposable';
import type { PanelLayout } from '@lumino/widgets';
import type { DocumentLink } from '../session/document-link.js';

const NAVIGATION_KEYS = new Set([
  'ArrowUp',
  'ArrowDown',
  'ArrowLeft',
  'ArrowRight',
  'PageUp',
  'PageDown',
  'Home',
  'End',
  'Escape',
  'Enter',
  'Tab',
  'Shift',
  'Control',
  'Meta',
  'Alt',
]);

export class NotebookReadOnlyGuard implements IDisposable {
  private disposed = false;

  constructor(
    private readonly panel: NotebookPanel,
    private readonly link: DocumentLink,
  ) {
    link.on('role', this.apply);
    panel.content.model?.cells.changed.connect(this.apply, this);
    panel.disposed.connect(this.dispose, this);
    // Capture phase: runs before JupyterLab's command-mode shortcuts (a, b, dd, x, v, m, shift+enter...).
    panel.node.addEventListener('keydown', this.blockEditingKeys, true);
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
    this.panel.node.removeEventListener('keydown', this.blockEditingKeys, true);
  }

  /**
   * For viewers, lets only reading keys through: moving around, selecting, copying, searching. Cell
   * commands bound to keys (insert, delete, cut, paste, move, merge, change type, run) would change the
   * viewer's copy, which the relay would not keep.
   */
  private readonly blockEditingKeys = (event: KeyboardEvent): void => {
    if (this.disposed || !this.link.readOnly) return;
    const modifier = event.ctrlKey || event.metaKey;
    const reading =
      NAVIGATION_KEYS.has(event.key) ||
      (modifier && !event.shiftKey && ['c', 'f', 'a'].includes(event.key.toLowerCase())) ||
      (!modifier && !event.shiftKey && (event.key === 'j' || event.key === 'k'));
    if (reading) return;
    event.preventDefault();
    event.stopPropagation();
  };

  private readonly apply = (): void => {
    if (this.disposed) return;
    const readOnly = this.link.readOnly;
    const model = this.panel.content.model;
    if (model) model.readOnly = readOnly;
    // Cell widgets are created after the model changes; apply once they exist.
    requestAnimationFrame(() => {
      this.panel.content.widgets.forEach((cell: Cell) => {
        // A synced read-only state is `editable: false` in the cell's metadata: the viewer's change, not the
        // notebook's. Unsynced for viewers; an editor's cells follow their metadata again.
        if (readOnly) cell.syncEditable = false;
        cell.readOnly = readOnly;
        if (!readOnly) cell.syncEditable = true;
      });
      // The cell type dropdown changes cells without a command.
      const toolbar = this.panel.toolbar;
      [...toolbar.names()].forEach((name, index) => {
        if (name === 'cellType') (toolbar.layout as PanelLayout).widgets[index]?.setHidden(readOnly);
      });
      this.panel.node.classList.toggle('enclave-read-only', readOnly);
    });
  };
}
