/**
 * Shows shared's help for a refusal as a VS Code error notification with its actions as buttons: "Request
 * Access" runs `enclave.requestAccess` for the space, "Copy My Key" puts the public key on the clipboard for a
 * lead. Kept while shown, so the test suite can see it and press its buttons.
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

export interface ShownHelp {
  readonly message: string;
  /** Button labels, in order. */
  readonly actions: readonly string[];
  /** What pressing the button labelled `label` does. */
  press(label: string): Promise<unknown>;
}

export class RefusalHelp {
  private readonly shown = new Set<ShownHelp>();

  constructor(private readonly report: (error: unknown) => void) {}

  /** Shows the help when `error` is a refusal it can help with; false (nothing shown) otherwise. */
  async offer(error: unknown, where: RefusedAt, identity: Identity): Promise<boolean> {
    const scene: ErrorScene = {
      ...where,
      publicKey: identity.publicKey,
      fingerprint: await fingerprint(identity.publicKey),
      name: identity.name,
    };
    const help = helpFor(error, scene);
    if (help.actions.length === 0) return false;
    const byLabel = new Map<string, HelpAction>(help.actions.map((action) => [HELP_ACTION_LABELS[action], action]));
    const entry: ShownHelp = {
      message: `Enclave: ${help.title}. ${help.message}`,
      actions: [...byLabel.keys()],
      press: (label) => {
        this.shown.delete(entry);
        return run(byLabel.get(label), scene).catch(this.report);
      },
    };
    this.shown.add(entry);
    void vscode.window.showErrorMessage(entry.message, ...entry.actions).then((label) => {
      if (!this.shown.has(entry)) return undefined; // already answered (from the API)
      this.shown.delete(entry);
      return label ? entry.press(label) : undefined;
    });
    return true;
  }

  /** Help whose notification is still up. */
  pending(): readonly ShownHelp[] {
    return [...this.shown];
  }
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
