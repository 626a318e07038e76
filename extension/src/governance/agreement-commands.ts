/**
 * Agreements: answering a pending one (sign / decline, also from the agreement editor's title bar) and, for
 * leads, setting a space's text (from the active editor or a file) and seeing who signed which version.
 */
import * as vscode from 'vscode';
import type { Services } from '../services.js';
import { onSpace, type SpaceArgs, targetSpace } from './target.js';

export interface SetAgreementArgs extends SpaceArgs {
  readonly text?: string;
  /** A file URI to read the text from. */
  readonly file?: string;
}

async function agreementText(args: SetAgreementArgs): Promise<string | undefined> {
  if (args.text !== undefined) return args.text;
  if (args.file) return new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.parse(args.file)));
  const editor = vscode.window.activeTextEditor;
  const ACTIVE = 'The active editor';
  const choice = await vscode.window.showQuickPick(editor ? [ACTIVE, 'A file...'] : ['A file...'], {
    title: 'Enclave: take the agreement text from',
  });
  if (choice === ACTIVE) return editor?.document.getText();
  if (!choice) return undefined;
  const [file] = (await vscode.window.showOpenDialog({ canSelectMany: false, openLabel: 'Use as agreement' })) ?? [];
  return file ? new TextDecoder().decode(await vscode.workspace.fs.readFile(file)) : undefined;
}

export function registerAgreementCommands(services: Services): vscode.Disposable {
  const answer = (sign: boolean) => (uri?: vscode.Uri | string) => {
    const target = uri ? uri.toString() : vscode.window.activeTextEditor?.document.uri.toString();
    const known = services.agreements.waiting().some((p) => p.uri === target);
    return services.agreements.answer(sign, known ? target : undefined);
  };
  return vscode.Disposable.from(
    vscode.commands.registerCommand('enclave.signAgreement', answer(true)),
    vscode.commands.registerCommand('enclave.declineAgreement', answer(false)),
    vscode.commands.registerCommand('enclave.setAgreement', async (args: SetAgreementArgs = {}) => {
      const target = await targetSpace(services, args);
      const text = target ? await agreementText(args) : undefined;
      if (!target || text === undefined) return undefined;
      if (text.trim() === '') throw new Error('the agreement text is empty');
      const { agreement } = await onSpace(services, target, (channel) =>
        channel.request({ op: 'agreement.set', text }),
      );
      void vscode.window.showInformationMessage(
        `Enclave: ${target.space} now asks every member to sign agreement version ${agreement.version}.`,
      );
      return agreement;
    }),
    vscode.commands.registerCommand(
      'enclave.agreementSignatures',
      async (args: SpaceArgs & { show?: boolean } = {}) => {
        const target = await targetSpace(services, args);
        if (!target) return undefined;
        const { signatures, members } = await onSpace(services, target, async (channel) => ({
          signatures: (await channel.request({ op: 'agreement.signatures' })).signatures,
          members: (await channel.request({ op: 'members.list' })).members,
        }));
        if (args.show !== false) {
          const names = new Map(members.map((m) => [m.publicKey as string, `${m.name} (${m.fingerprint})`]));
          void vscode.window.showQuickPick(
            signatures.map((s) => ({
              label: names.get(s.publicKey) ?? s.publicKey,
              description: `version ${s.version}`,
              detail: `signed ${s.signed} · sha256 ${s.hash}`,
            })),
            { title: `Enclave: agreement signatures in ${target.space} (${signatures.length})` },
          );
        }
        return signatures;
      },
    ),
  );
}
