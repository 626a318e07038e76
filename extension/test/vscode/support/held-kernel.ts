import * as vscode from 'vscode';
import * as assert from './assert.js';
import { eventually } from './poll.js';

/**
 * A kernel for tests: VS Code runs cells through it like through any controller; each run stays
 * open until the test lets it end, so the test sees the cell while it runs.
 */
export class HeldKernel implements vscode.Disposable {
  readonly controller: vscode.NotebookController;
  private release: (() => void) | undefined;
  started = 0;

  constructor() {
    this.controller = vscode.notebooks.createNotebookController(
      'enclave-test-held-kernel',
      'jupyter-notebook',
      'Enclave Test Kernel',
    );
    this.controller.supportedLanguages = ['python'];
    this.controller.executeHandler = async (cells) => {
      for (const cell of cells) {
        const execution = this.controller.createNotebookCellExecution(cell);
        execution.start(Date.now());
        this.started++;
        await new Promise<void>((resolve) => (this.release = resolve));
        execution.executionOrder = this.started;
        execution.end(true, Date.now());
      }
    };
  }

  /** Makes this the kernel VS Code picks for `notebook` (the only one there is, and preferred). */
  prefer(notebook: vscode.NotebookDocument): void {
    this.controller.updateNotebookAffinity(notebook, vscode.NotebookControllerAffinity.Preferred);
  }

  /**
   * Ends the run in progress, once VS Code has handed it over: a cell shows as running from the moment it is
   * queued (its execution summary cleared), a little before the handler starts it.
   */
  async finish(): Promise<void> {
    await eventually(() => assert.ok(this.release, 'a run is in progress'), 15_000, 'the kernel starts the run');
    this.release!();
    this.release = undefined;
  }

  dispose(): void {
    this.release?.();
    this.controller.dispose();
  }
}
