/**
 * "Save As" for a shared document: writes a local copy of the shared content (the notebook as .ipynb, a
 * draft as its text) and says so, while the editor stays on the shared document and the session goes on.
 * Bound to Save As's key in shared editors (VS Code's own Save As would offer the enclave: path itself).
 */
import * as vscode from 'vscode';
import { YNotebook } from '@jupyter/ydoc';
import { readDraft, readNotebook, serializeIpynb } from '@enclave/shared';
import type { Services } from '../services.js';
import { describeAddress } from '../session/address.js';
import type { SharedSession } from '../session/shared-session.js';

export interface LocalCopyArgs {
  /** Where to write (a URI); asked with a save dialog when absent. */
  readonly target?: string;
  /** The shared editor's URI to copy (the active one when absent), e.g. from a removal warning. */
  readonly document?: string;
  /** Scripts and tests: no "Open Copy" offer. */
  readonly quiet?: boolean;
}

function contentOf(session: SharedSession): Uint8Array {
  const model = session.model;
  const text = model instanceof YNotebook ? serializeIpynb(readNotebook(model)) : readDraft(model);
  return new TextEncoder().encode(text);
}

function suggestedTarget(session: SharedSession): vscode.Uri | undefined {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  return folder ? vscode.Uri.joinPath(folder, session.address.document) : undefined;
}

export function registerLocalCopyCommand(services: Services): vscode.Disposable {
  return vscode.commands.registerCommand('enclave.saveLocalCopy', async (given: LocalCopyArgs | vscode.Uri = {}) => {
    // A tab's context menu passes the tab's URI: copy that document, which need not be the active one.
    const args: LocalCopyArgs = given instanceof vscode.Uri ? { document: given.toString() } : given;
    const session = args.document
      ? services.sessions.all().find((s) => s.editorUri.toString() === args.document)
      : services.sessions.active();
    if (!session) {
      void vscode.window.showWarningMessage('Enclave: open the shared document to copy first.');
      return undefined;
    }
    const defaultUri = suggestedTarget(session);
    const target = args.target
      ? vscode.Uri.parse(args.target)
      : await vscode.window.showSaveDialog({
          title: `Save a local copy of ${describeAddress(session.address)}`,
          saveLabel: 'Save Local Copy',
          ...(defaultUri ? { defaultUri } : {}),
        });
    if (!target) return undefined;
    if (target.scheme === 'enclave') throw new Error('a local copy cannot be written into Enclave; pick a local file');
    await session.whenIdle();
    await vscode.workspace.fs.writeFile(target, contentOf(session));
    const where = target.scheme === 'file' ? target.fsPath : target.path;
    const message = `Saved a local copy of ${describeAddress(session.address)} at ${where}. The copy is not shared; you are still editing the shared document.`;
    services.log.info(message);
    if (args.quiet) void vscode.window.showInformationMessage(message);
    else
      void vscode.window.showInformationMessage(message, 'Open Copy').then((choice) => {
        if (choice) void vscode.commands.executeCommand('vscode.open', target);
      });
    return target.toString();
  });
}
