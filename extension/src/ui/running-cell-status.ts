/**
 * Who is running which cell: a cell someone else runs (their awareness `running`, published by VS Code or
 * JupyterLab) shows "▶ NAME running" in its status bar, with their stamped names, until their run ends.
 */
import * as vscode from 'vscode';
import { runnersByCell, runningLabel } from '@enclave/shared';
import type { SessionRegistry } from '../session/session-registry.js';

/** The notebook type VS Code opens `.ipynb` files (and shared notebooks) with. */
const NOTEBOOK_TYPE = 'jupyter-notebook';

export class RunningCellStatus implements vscode.NotebookCellStatusBarItemProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCellStatusBarItems = this.changed.event;
  private readonly subscriptions: vscode.Disposable[];
  /** Who ran what when the cells were last asked, to ask again only when that changes (not per cursor move). */
  private shown = '';

  constructor(private readonly sessions: SessionRegistry) {
    this.subscriptions = [
      // Awareness changes reach the registry as session changes.
      sessions.onDidChange(() => {
        const now = whoRunsWhat(sessions);
        if (now === this.shown) return;
        this.shown = now;
        this.changed.fire();
      }),
      vscode.notebooks.registerNotebookCellStatusBarItemProvider(NOTEBOOK_TYPE, this),
    ];
  }

  provideCellStatusBarItems(cell: vscode.NotebookCell): vscode.NotebookCellStatusBarItem[] {
    const session = this.sessions.forNotebook(cell.notebook);
    const id = session?.sharedIdOf(cell);
    const runners = session && id !== undefined ? runnersByCell(session.awareness).get(id) : undefined;
    if (!runners) return [];
    const item = new vscode.NotebookCellStatusBarItem(
      runningLabel(runners),
      vscode.NotebookCellStatusBarAlignment.Left,
    );
    item.tooltip = runners.map((user) => `${user.name} (${user.fingerprint}) is running this cell`).join('\n');
    return [item];
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
    this.changed.dispose();
  }
}

/** Every open notebook's running cells and their labels, as one comparable text. */
function whoRunsWhat(sessions: SessionRegistry): string {
  const perSession = sessions.all().map((session) => [...runnersByCell(session.awareness)]);
  return JSON.stringify(perSession.map((cells) => cells.map(([id, users]) => [id, runningLabel(users)])));
}
