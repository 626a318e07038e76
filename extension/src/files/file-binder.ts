/**
 * Binds each editor VS Code opens on an `enclave:` file to the synced model it was read from, whether
 * the open came from a command, a link, recent files or a window reload. The open event and the
 * command that asked for the open may both ask; each editor is bound once.
 */
import * as vscode from 'vscode';
import type { Services } from '../services.js';
import { YNotebook } from '@jupyter/ydoc';
import type * as Y from 'yjs';
import { readNotebook } from '@enclave/shared';
import { notebookFromJupyter } from '../notebook/cells.js';
import { bindSynced, type SyncedDocument } from '../session/open-session.js';
import { toNotebookData } from '../vscode/notebook-data.js';
import type { SharedSession } from '../session/shared-session.js';
import { addressOf, isEnclaveUri } from './document-uri.js';
import type { SharedFileSystem } from './shared-file-system.js';
import { keepSavedAfterRemoteEdits } from './saved-after-remote-edits.js';
import { readSettings } from '../config/settings.js';

type Editor = vscode.NotebookDocument | vscode.TextDocument;

/**
 * The shared cells a notebook editor shows, in order. Normally the snapshot of the read it was built from;
 * an editor that shows something else (VS Code restored an unsaved backup over the read after a reload) is
 * first set to the shared notebook, so cells are never paired wrongly or merged twice (the seeding rule).
 */
async function showsSnapshot(
  editor: Editor,
  synced: SyncedDocument,
  snapshot: readonly Y.Map<unknown>[],
): Promise<readonly Y.Map<unknown>[]> {
  const model = synced.model;
  if (!('notebookType' in editor) || !(model instanceof YNotebook) || editor.cellCount === snapshot.length)
    return snapshot;
  const cells = model.cells.map((cell) => cell.ymodel);
  const data = toNotebookData(notebookFromJupyter(readNotebook(model)));
  const edit = new vscode.WorkspaceEdit();
  edit.set(editor.uri, [vscode.NotebookEdit.replaceCells(new vscode.NotebookRange(0, editor.cellCount), data.cells)]);
  if (!(await vscode.workspace.applyEdit(edit))) throw new Error('the notebook could not be set to the shared content');
  return cells;
}

export class FileBinder implements vscode.Disposable {
  private readonly binding = new Map<Editor, Promise<SharedSession | undefined>>();
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    private readonly services: Services,
    private readonly files: SharedFileSystem,
    /** Called with each new session (registers it, follows its agreement). */
    private readonly onBound: (session: SharedSession) => void,
  ) {
    const bind = (editor: Editor): void => {
      if (isEnclaveUri(editor.uri)) this.bind(editor).catch(services.reportError);
    };
    this.subscriptions = [
      vscode.workspace.onDidOpenNotebookDocument(bind),
      vscode.workspace.onDidOpenTextDocument(bind),
      vscode.workspace.onDidCloseNotebookDocument((editor) => this.closed(editor)),
      vscode.workspace.onDidCloseTextDocument((editor) => this.closed(editor)),
    ];
    for (const editor of [...vscode.workspace.notebookDocuments, ...vscode.workspace.textDocuments]) bind(editor);
  }

  /** The session of an `enclave:` editor, bound now if it is not yet. */
  bind(editor: Editor): Promise<SharedSession | undefined> {
    let result = this.binding.get(editor);
    if (!result) {
      result = this.bindNow(editor);
      this.binding.set(editor, result);
    }
    return result;
  }

  private async bindNow(editor: Editor): Promise<SharedSession | undefined> {
    const bound = this.services.sessions.all().find((s) => s.editorUri.toString() === editor.uri.toString());
    if (bound) return bound;
    const address = addressOf(editor.uri, readSettings().relays);
    const unbound = await this.files.takeUnbound(address);
    if (!unbound) return undefined;
    try {
      const snapshot = await showsSnapshot(editor, unbound.synced, unbound.snapshot);
      const session = bindSynced(address, unbound.synced, editor, snapshot, this.services.reportError);
      const keepSaved = keepSavedAfterRemoteEdits(session, editor, this.services.reportError);
      session.attach(keepSaved);
      session.addBackgroundWork(() => keepSaved.idle());
      session.attach(new vscode.Disposable(() => this.files.sessionEnded(session, editor)));
      this.onBound(session);
      return session;
    } catch (error) {
      unbound.synced.close();
      unbound.synced.model.dispose();
      throw error;
    }
  }

  private closed(editor: Editor): void {
    this.binding.delete(editor);
    if (isEnclaveUri(editor.uri)) this.files.editorClosed(editor.uri);
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
    this.binding.clear();
  }
}
