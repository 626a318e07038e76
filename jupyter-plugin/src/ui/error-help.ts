/**
 * Shows shared's help for a refusal as a JupyterLab dialog with its actions as buttons: "Request Access"
 * runs `enclave:request-access` for the space, "Copy My Key" puts the public key on the clipboard for a lead.
 */
import { Clipboard, Dialog, showDialog } from '@jupyterlab/apputils';
import type { JupyterFrontEnd } from '@jupyterlab/application';
import type { CommandRegistry } from '@lumino/commands';
import { fingerprint, HELP_ACTION_LABELS, type HelpAction, helpFor, type Identity } from '@enclave/shared';
import type { EnclaveLocation } from '../drive/enclave-path.js';
import { CommandIds } from '../tokens.js';

/** Shows the help when `error` is a refusal it can help with; false (nothing shown) otherwise. */
export async function offerHelp(
  error: unknown,
  where: EnclaveLocation,
  identity: Identity,
  commands: CommandRegistry,
): Promise<boolean> {
  const help = helpFor(error, {
    ...where,
    publicKey: identity.publicKey,
    fingerprint: await fingerprint(identity.publicKey),
    name: identity.name,
  });
  if (help.actions.length === 0) return false;
  const byLabel = new Map<string, HelpAction>(help.actions.map((action) => [HELP_ACTION_LABELS[action], action]));
  const result = await showDialog({
    title: help.title,
    body: help.message,
    buttons: [
      Dialog.cancelButton({ label: 'Close' }),
      ...[...byLabel.keys()].map((label) => Dialog.okButton({ label })),
    ],
  });
  const action = result.button.accept ? byLabel.get(result.button.label) : undefined;
  if (action === 'request-access') {
    await commands.execute(CommandIds.requestAccess, { space: `${where.relay}/${where.space}` });
  } else if (action === 'copy-key') {
    Clipboard.copyToSystem(identity.publicKey);
  }
  return true;
}

/** Closes every main-area tab showing the document at `path` (a drive path), e.g. after a refusal was explained. */
export function closeDocumentTabs(shell: JupyterFrontEnd.IShell, path: string): void {
  for (const widget of [...shell.widgets('main')]) {
    if ((widget as { context?: { path?: string } }).context?.path === path) widget.close();
  }
}
