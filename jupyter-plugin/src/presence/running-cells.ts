/**
 * Who is running which cell of a shared notebook: this browser publishes the ids of the cells it runs
 * (awareness `running`, from JupyterLab's execution signals), and each cell someone else runs gets a label
 * with their stamped name and colour until their run ends.
 */
import { RUNNING_FIELD, runnersByCell, runningLabel } from '@enclave/shared';
import type { Cell } from '@jupyterlab/cells';
import { type Notebook, NotebookActions, type NotebookPanel } from '@jupyterlab/notebook';
import type { IDisposable } from '@lumino/disposable';
import type { Awareness } from 'y-protocols/awareness';

export class RunningCells implements IDisposable {
  private readonly mine = new Set<string>();
  private disposed = false;

  constructor(
    private readonly panel: NotebookPanel,
    private readonly awareness: Awareness,
  ) {
    NotebookActions.executionScheduled.connect(this.onScheduled, this);
    NotebookActions.executed.connect(this.onExecuted, this);
    awareness.on('change', this.draw);
    panel.content.model?.cells.changed.connect(this.draw, this);
    this.draw();
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    NotebookActions.executionScheduled.disconnect(this.onScheduled, this);
    NotebookActions.executed.disconnect(this.onExecuted, this);
    this.awareness.off('change', this.draw);
    this.panel.content.model?.cells.changed.disconnect(this.draw, this);
    this.panel.content.widgets.forEach((cell) => cell.node.querySelector(':scope > .enclave-running')?.remove());
  }

  private onScheduled(_: unknown, { notebook, cell }: { notebook: Notebook; cell: Cell }): void {
    if (notebook !== this.panel.content) return;
    this.mine.add(cell.model.id);
    this.publish();
  }

  private onExecuted(_: unknown, { notebook, cell }: { notebook: Notebook; cell: Cell }): void {
    if (notebook !== this.panel.content || !this.mine.delete(cell.model.id)) return;
    this.publish();
  }

  private publish(): void {
    this.awareness.setLocalStateField(RUNNING_FIELD, [...this.mine]);
  }

  private readonly draw = (): void => {
    if (this.disposed) return;
    const runners = runnersByCell(this.awareness);
    for (const cell of this.panel.content.widgets) {
      const who = runners.get(cell.model.id);
      let label = cell.node.querySelector<HTMLElement>(':scope > .enclave-running');
      if (!who) {
        label?.remove();
        continue;
      }
      if (!label) {
        label = document.createElement('div');
        label.className = 'enclave-running';
        cell.node.prepend(label);
      }
      label.textContent = runningLabel(who);
      label.style.borderLeftColor = who[0]!.color;
    }
  };
}
