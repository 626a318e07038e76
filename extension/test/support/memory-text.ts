/**
 * An in-memory text document with VS Code's edit semantics: local typing changes it at once and reports
 * the change; applied edits happen later (a TaskQueue task), are refused if the document changed since
 * the version they were made for, and report their change before the edit resolves. It stands in for
 * VS Code's document only in the unit tests; the real one is exercised by `npm run test:vscode`.
 */
import type { TextPort } from '../../src/binding/text-port.js';
import { applyChange, type TextChange } from '../../src/binding/text-change.js';
import type { TaskQueue } from './task-queue.js';

export class MemoryText implements TextPort {
  version = 1;
  /** Called synchronously with every change, local or applied. */
  onChange: ((changes: readonly TextChange[]) => void) | undefined;
  appliedEdits = 0;

  constructor(
    public text: string,
    private readonly queue: TaskQueue,
  ) {}

  /** A person types. */
  type(change: TextChange): void {
    this.text = applyChange(this.text, change);
    this.version++;
    this.onChange?.([change]);
  }

  apply(change: TextChange, version: number): Promise<boolean> {
    return this.queue.later(() => {
      if (version !== this.version) return false;
      this.appliedEdits++;
      this.type(change);
      return true;
    });
  }
}
