/**
 * The cells of a shared notebook this VS Code is running, published in awareness (`running`, the field
 * JupyterLab publishes too), so that everyone sees who runs which cell until the run ends.
 *
 * How a run is seen: VS Code's stable API has no event for a cell's execution state (that event is proposed
 * API), and the kernel's controller may belong to any extension. But every controller's run goes through
 * VS Code's cell execution, which rewrites the cell's execution summary, and
 * `workspace.onDidChangeNotebookDocument` reports each rewrite: the summary is cleared (no order, success or
 * timing) when the run is queued, and gets its success and timing when it ends.
 *
 * Clearing a cell's outputs clears its summary the same way, in the event right after the one that empties its
 * outputs (a run that clears outputs does so after it was queued): such a summary is not a run.
 */
import type * as vscode from 'vscode';
import { RUNNING_FIELD } from '@enclave/shared';
import type { Awareness } from 'y-protocols/awareness';

export class OwnCellRuns {
  private readonly running = new Set<vscode.NotebookCell>();
  /** Cells whose outputs the last event about them emptied. */
  private readonly outputsJustCleared = new WeakSet<vscode.NotebookCell>();

  constructor(
    private readonly awareness: Awareness,
    /** The shared cell id of an editor cell. */
    private readonly idOf: (cell: vscode.NotebookCell) => string | undefined,
  ) {}

  /** The ids of the cells running here now. */
  ids(): string[] {
    return [...this.running].flatMap((cell) => this.idOf(cell) ?? []);
  }

  onNotebookChanged(event: vscode.NotebookDocumentChangeEvent): void {
    let changed = false;
    for (const removed of event.contentChanges.flatMap((change) => change.removedCells))
      changed = this.running.delete(removed) || changed;
    for (const { cell, executionSummary: summary, outputs } of event.cellChanges) {
      const clearsOutputs = outputs !== undefined && outputs.length === 0;
      const afterClearingOutputs = clearsOutputs || this.outputsJustCleared.has(cell);
      this.outputsJustCleared.delete(cell);
      if (clearsOutputs) this.outputsJustCleared.add(cell);
      if (!summary) continue;
      const ended = isSet(summary.success) || isSet(summary.timing);
      const queued = !ended && !isSet(summary.executionOrder) && !afterClearingOutputs;
      if (ended) changed = this.running.delete(cell) || changed;
      else if (queued && !this.running.has(cell)) {
        this.running.add(cell);
        changed = true;
      }
    }
    if (changed) this.awareness.setLocalStateField(RUNNING_FIELD, this.ids());
  }
}

/** The cleared fields of an execution summary arrive as null or undefined. */
function isSet(value: unknown): boolean {
  return value !== null && value !== undefined;
}
