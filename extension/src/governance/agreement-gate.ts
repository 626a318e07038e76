/**
 * A space's agreement, met in a welcome: the text opens in a read-only editor and the person answers
 * "Sign with my key" or "Decline" (from the notification, the editor's title bar, or the commands
 * `enclave.signAgreement` / `enclave.declineAgreement`). Nothing of the space is received before a signature:
 * the relay holds content back, and the caller binds no editor until shared's `passAgreement` (given `ask`) resolves.
 */
import * as vscode from 'vscode';
import type { AgreementContext, AgreementInfo, AgreementPrompt } from '@enclave/shared';
import type { ReadOnlyDocuments } from './read-only-documents.js';

interface PendingPrompt {
  readonly context: AgreementContext;
  readonly agreement: AgreementInfo;
  readonly uri: string;
  readonly answer: (sign: boolean) => void;
}

const SIGN = 'Sign with my key';
const DECLINE = 'Decline';

export class AgreementPrompts implements vscode.Disposable {
  private readonly pending: PendingPrompt[] = [];

  constructor(private readonly views: ReadOnlyDocuments) {}

  /** Agreements waiting for an answer, oldest first. */
  waiting(): readonly { context: AgreementContext; agreement: AgreementInfo; uri: string }[] {
    return this.pending.map(({ context, agreement, uri }) => ({ context, agreement, uri }));
  }

  /** Shows the text and resolves true to sign, false to decline (bound: passed as shared's AgreementPrompt). */
  readonly ask: AgreementPrompt = async (context: AgreementContext, agreement: AgreementInfo): Promise<boolean> => {
    const header =
      `<!-- Agreement of the space "${context.space}" (version ${agreement.version}, sha256 ${agreement.hash}).\n` +
      `     Signing it with your key is required before anything of the space is shown. -->\n\n`;
    const document = await this.views.open(
      `${context.space}-agreement-v${agreement.version}.md`,
      header + agreement.text,
    );
    const uri = document.uri.toString();
    return new Promise<boolean>((resolve) => {
      const entry: PendingPrompt = {
        context,
        agreement,
        uri,
        answer: (sign) => {
          const index = this.pending.indexOf(entry);
          if (index < 0) return;
          this.pending.splice(index, 1);
          resolve(sign);
          void closeTabsOf(uri);
        },
      };
      this.pending.push(entry);
      const where = context.document ? `${context.space}/${context.document}` : context.space;
      void vscode.window
        .showInformationMessage(
          `Enclave: ${where} asks you to read and sign its agreement (version ${agreement.version}) before you see anything.`,
          SIGN,
          DECLINE,
        )
        .then((choice) => {
          if (choice) entry.answer(choice === SIGN);
        });
    });
  };

  /** Answers the prompt shown in `uri` (or the latest one); false if none was waiting. */
  answer(sign: boolean, uri?: string): boolean {
    const entry = uri ? this.pending.find((p) => p.uri === uri) : this.pending[this.pending.length - 1];
    entry?.answer(sign);
    return entry !== undefined;
  }

  dispose(): void {
    for (const entry of [...this.pending]) entry.answer(false);
  }
}

/** Closes the agreement's editor once answered (it has nothing more to say). */
async function closeTabsOf(uri: string): Promise<void> {
  const tabs = vscode.window.tabGroups.all
    .flatMap((group) => group.tabs)
    .filter((tab) => tab.input instanceof vscode.TabInputText && tab.input.uri.toString() === uri);
  if (tabs.length > 0) await vscode.window.tabGroups.close(tabs);
}
