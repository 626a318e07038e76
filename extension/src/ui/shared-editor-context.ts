/**
 * The `enclave.sharedEditor` context key: true while the active editor (a draft, or a notebook or one of
 * its cells) is bound to a shared session. Keybindings that act on shared documents only (own-edit undo,
 * Save a Local Copy) use it in their `when`.
 */
import * as vscode from 'vscode';
import type { SessionRegistry } from '../session/session-registry.js';

export const SHARED_EDITOR_CONTEXT = 'enclave.sharedEditor';

export function trackSharedEditorContext(sessions: SessionRegistry): vscode.Disposable {
  const update = (): void => {
    void vscode.commands.executeCommand('setContext', SHARED_EDITOR_CONTEXT, sessions.active() !== undefined);
  };
  update();
  return vscode.Disposable.from(
    vscode.window.onDidChangeActiveTextEditor(update),
    vscode.window.onDidChangeActiveNotebookEditor(update),
    sessions.onDidChange(update),
  );
}
