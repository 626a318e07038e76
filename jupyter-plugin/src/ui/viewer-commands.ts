/**
 * A viewer's notebook commands change nothing: while the current widget is a notebook the member may only
 * read, every notebook command that could change it is disabled (menus, context menu, toolbar buttons and
 * shortcuts ask `isEnabled`) and refuses to run when executed directly. Denied by default: only the
 * commands below, which read, select, navigate or drive the kernel without touching the document, stay.
 */
import type { CommandRegistry } from '@lumino/commands';
import type { ReadonlyPartialJSONObject } from '@lumino/coreutils';
import type { IDisposable } from '@lumino/disposable';

/** Command families that act on the current notebook's content. */
const GUARDED_PREFIXES = [
  'notebook:',
  'runmenu:',
  'editmenu:',
  'toc:run-cells',
  'kernelmenu:change',
  'kernelmenu:restart-and-clear',
];

/** Commands of those families that leave the document as it is. */
const READING_COMMANDS = new Set([
  'notebook:copy-cell',
  'notebook:copy-to-clipboard',
  'notebook:select-all',
  'notebook:deselect-all',
  'notebook:move-cursor-up',
  'notebook:move-cursor-down',
  'notebook:move-cursor-heading-above-or-collapse',
  'notebook:move-cursor-heading-below-or-expand',
  'notebook:extend-marked-cells-above',
  'notebook:extend-marked-cells-below',
  'notebook:extend-marked-cells-top',
  'notebook:extend-marked-cells-bottom',
  'notebook:enter-command-mode',
  'notebook:enter-edit-mode',
  'notebook:create-new',
  'notebook:create-console',
  'notebook:create-subshell-console',
  'notebook:create-output-view',
  'notebook:export-to-format',
  'notebook:toggle-all-cell-line-numbers',
  'notebook:toggle-render-side-by-side-current',
  'notebook:set-side-by-side-ratio',
  'notebook:toggle-virtual-scrollbar',
  'notebook:interrupt-kernel',
  'notebook:restart-kernel',
  'notebook:reconnect-to-kernel',
  'notebook:shutdown-kernel',
  'notebook:close-and-shutdown',
  'editmenu:find',
  'editmenu:find-and-replace',
]);

export function changesNotebook(command: string): boolean {
  return GUARDED_PREFIXES.some((prefix) => command.startsWith(prefix)) && !READING_COMMANDS.has(command);
}

export class ViewerCommandGate implements IDisposable {
  private disposed = false;
  private readonly isEnabled: CommandRegistry['isEnabled'];
  private readonly execute: CommandRegistry['execute'];

  /** `readOnlyNotebookActive`: is the current widget a notebook this member may only read? */
  constructor(
    private readonly commands: CommandRegistry,
    private readonly readOnlyNotebookActive: () => boolean,
  ) {
    this.isEnabled = commands.isEnabled;
    this.execute = commands.execute;
    commands.isEnabled = (id: string, args?: ReadonlyPartialJSONObject): boolean =>
      !this.blocks(id) && this.isEnabled.call(commands, id, args);
    commands.execute = (id: string, args?: ReadonlyPartialJSONObject): Promise<unknown> =>
      this.blocks(id)
        ? Promise.reject(new Error(`${id}: this notebook is read-only for you (viewer)`))
        : this.execute.call(commands, id, args);
  }

  /** Menus and toolbar buttons ask again (after a role change or another widget became current). */
  refresh(): void {
    if (!this.disposed) this.commands.notifyCommandChanged();
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.commands.isEnabled = this.isEnabled;
    this.commands.execute = this.execute;
  }

  private blocks(id: string): boolean {
    return !this.disposed && changesNotebook(id) && this.readOnlyNotebookActive();
  }
}
