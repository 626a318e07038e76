/**
 * Undo and redo of one's own edits only: a Y.UndoManager that tracks the transactions of the local
 * binding (its origin), never the edits that arrived from others. Undoing writes into the shared model;
 * the binding then shows the result in the editor like any other change of the model.
 */
import * as Y from 'yjs';

/** Edits closer together than this are undone as one step (as VS Code groups typing). */
const CAPTURE_MS = 500;

export class OwnEditsUndo {
  private readonly manager: Y.UndoManager;

  constructor(scope: Y.Text | Y.Array<unknown>, localOrigin: object) {
    this.manager = new Y.UndoManager(scope, { trackedOrigins: new Set([localOrigin]), captureTimeout: CAPTURE_MS });
  }

  /** Undoes the latest own edit still in the model; false when there is none. */
  undo(): boolean {
    return this.manager.undo() !== null;
  }

  redo(): boolean {
    return this.manager.redo() !== null;
  }

  get canUndo(): boolean {
    return this.manager.canUndo();
  }

  get canRedo(): boolean {
    return this.manager.canRedo();
  }

  /** Ends the current step: the next edit starts a new one (e.g. after the cursor moved away). */
  stopCapturing(): void {
    this.manager.stopCapturing();
  }

  dispose(): void {
    this.manager.destroy();
  }
}
