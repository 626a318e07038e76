/**
 * Undo and Redo in shared documents take back only one's own edits. Ctrl+Z / Ctrl+Y (Cmd+Z / Cmd+Shift+Z)
 * are bound to these commands while the `enclave.sharedEditor` context key says the active editor is shared;
 * elsewhere VS Code's own undo runs as usual.
 */
import * as vscode from 'vscode';
import type { SessionRegistry } from '../session/session-registry.js';
import type { SharedSession } from '../session/shared-session.js';

async function step(
  sessions: SessionRegistry,
  action: (session: SharedSession) => boolean,
  fallback: string,
): Promise<boolean> {
  const session = sessions.active();
  if (!session) {
    await vscode.commands.executeCommand(fallback);
    return false;
  }
  if (!action(session)) return false;
  // Resolve once the editor shows the result, so a next keystroke lands on it.
  await session.whenIdle();
  return true;
}

export function registerUndoCommands(sessions: SessionRegistry): vscode.Disposable {
  return vscode.Disposable.from(
    vscode.commands.registerCommand('enclave.undo', () => step(sessions, (s) => s.ownEdits.undo(), 'undo')),
    vscode.commands.registerCommand('enclave.redo', () => step(sessions, (s) => s.ownEdits.redo(), 'redo')),
  );
}
