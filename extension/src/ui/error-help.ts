/**
 * Shows shared's help for a refusal as a VS Code notification with its actions as buttons: "Request Access"
 * runs `enclave.requestAccess` for the space, "Copy My Key" puts the public key on the clipboard for a lead.
 */
import * as vscode from 'vscode';
import {
  type ErrorScene,
  fingerprint,
  HELP_ACTION_LABELS,
  type HelpAction,
  helpFor,
  type Identity,
} from '@enclave/shared';

export interface RefusedAt {
  readonly relay: string;
  readonly space: string;
  readonly document?: string;
}

/** Shows the help when `error` is a refusal it can help with; false (nothing shown) otherwise. */
export async function offerHelp(error: unknown, where: RefusedAt, identity: Identity): Promise<boolean> {
  const scene: ErrorScene = {
    ...where,
    publicKey: identity.publicKey,
    fingerprint: await fingerprint(identity.publicKey),
    name: identity.name,
  };
  const help = helpFor(error, scene);
  if (help.actions.length === 0) return false;
  const byLabel = new Map<string, HelpAction>(help.actions.map((action) => [HELP_ACTION_LABELS[action], action]));
  void vscode.window
    .showErrorMessage(`Enclave: ${help.title}. ${help.message}`, ...byLabel.keys())
    .then((label) => (label ? run(byLabel.get(label), scene) : undefined));
  return true;
}

async function run(action: HelpAction | undefined, scene: ErrorScene): Promise<void> {
  if (action === 'request-access') {
    await vscode.commands.executeCommand('enclave.requestAccess', { relay: scene.relay, space: scene.space });
  } else if (action === 'copy-key') {
    await vscode.env.clipboard.writeText(scene.publicKey);
    void vscode.window.showInformationMessage(
      `Enclave: your public key is on the clipboard; send it to a lead of ${scene.space}.`,
    );
  }
}
