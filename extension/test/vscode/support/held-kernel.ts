import * as vscode from 'vscode';
import { EXTENSION_ID } from '../../../src/session/address.js';
import * as assert from './assert.js';

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

  /**
   * Makes this the kernel of the active notebook editor. `owner`: the extension the test code runs in (the
   * controller is that extension's), Enclave itself in the VS Code suite.
   */
  async select(owner = EXTENSION_ID): Promise<void> {
    await vscode.commands.executeCommand('notebook.selectKernel', { id: this.controller.id, extension: owner });
  }

  /** Ends the run in progress. */
  finish(): void {
    assert.ok(this.release, 'a run is in progress');
    this.release();
    this.release = undefined;
  }

  dispose(): void {
    this.release?.();
    this.controller.dispose();
  }
}
