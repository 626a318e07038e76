/** The Enclave Directory view's commands: refresh, and Ask to Join from a verified listing. */
import * as vscode from 'vscode';
import { listingTrustText } from '@enclave/shared';
import type { RequestAccessArgs, RequestOutcome } from '../governance/request-commands.js';
import type { Services } from '../services.js';
import { type DirectoryNode, DirectoryView } from './directory-view.js';

/** A listing, from the view's node or from arguments (scripts, tests); `message` skips the prompt. */
interface AskArgs {
  readonly relay?: string;
  readonly space?: string;
  readonly message?: string;
}

export function registerDirectory(services: Services): { view: DirectoryView } & vscode.Disposable {
  const view = new DirectoryView(() => services.identities.get());

  /**
   * Sends the ordinary access request marked as from the directory, only for a listing on show that
   * verified: the check is made here again, not trusted to the menu that offered the action.
   */
  async function askToJoin(
    node: DirectoryNode | AskArgs | undefined,
    extra: AskArgs = {},
  ): Promise<RequestOutcome | undefined> {
    const given: AskArgs =
      node && 'kind' in node
        ? node.kind === 'listing'
          ? { relay: node.relay, space: node.checked.entry.space }
          : {}
        : (node ?? {});
    const { relay, space } = given;
    if (!relay || !space) return undefined;
    const checked = (await view.listings(relay)).find((c) => c.entry.space === space);
    if (!checked) {
      void vscode.window.showWarningMessage(`Enclave: ${space} is not listed on this relay's directory.`);
      return { outcome: 'refused', reason: 'not listed' };
    }
    if (!checked.check.verified) {
      void vscode.window.showErrorMessage(`Enclave: ${listingTrustText(checked)}`);
      return { outcome: 'refused', reason: listingTrustText(checked) };
    }
    const message = extra.message ?? given.message;
    const args: RequestAccessArgs = { relay, space, via: 'directory', ...(message !== undefined ? { message } : {}) };
    return vscode.commands.executeCommand<RequestOutcome | undefined>('enclave.requestAccess', args);
  }

  const disposable = vscode.Disposable.from(
    view,
    vscode.commands.registerCommand('enclave.refreshDirectory', () => view.refresh()),
    vscode.commands.registerCommand('enclave.askToJoin', askToJoin),
  );
  return { view, dispose: () => disposable.dispose() };
}
