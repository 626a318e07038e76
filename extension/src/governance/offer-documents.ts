/** After joining (invite or approved request): open the named document, or let the person pick one. */
import * as vscode from 'vscode';
import type { DocumentInfo } from '@enclave/shared';

export async function offerDocuments(
  relay: string,
  space: string,
  documents: readonly Pick<DocumentInfo, 'name' | 'kind'>[],
  wanted?: string,
): Promise<string | undefined> {
  let document = wanted;
  if (document === undefined) {
    if (documents.length === 0) {
      void vscode.window.showInformationMessage(`Enclave: ${space} has no documents yet.`);
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(
      documents.map((d) => ({ label: d.name, description: d.kind })),
      { title: `Enclave: open a document of ${space}` },
    );
    document = picked?.label;
  }
  if (!document) return undefined;
  return vscode.commands.executeCommand<string | undefined>('enclave.open', { relay, space, document });
}
