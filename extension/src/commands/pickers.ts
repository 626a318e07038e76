/** Asking the user for a relay, a space and a document (commands also accept them as arguments). */
import * as vscode from 'vscode';
import { checkName, type Identity, isValidName, listDocuments } from '@enclave/shared';
import { readSettings } from '../config/settings.js';
import { withSpace } from './space-channel.js';

/** A relay's URL: the only configured one, one picked by name, or one typed in. */
export async function pickRelay(): Promise<string | undefined> {
  const { relays, problems } = readSettings();
  for (const problem of problems) void vscode.window.showWarningMessage(`Enclave settings: ${problem}`);
  if (relays.length === 1) return relays[0]!.url;
  if (relays.length > 1) {
    const items = relays.map((r) => ({ label: r.name, detail: r.url }));
    return (await vscode.window.showQuickPick(items, { title: 'Enclave: relay' }))?.detail;
  }
  return vscode.window.showInputBox({
    title: 'Enclave: relay URL',
    prompt: 'Add relays under the "enclave.relays" setting to skip this question.',
    placeHolder: 'wss://relay.example.org',
    validateInput: (value) => (/^wss?:\/\/.+/.test(value) ? undefined : 'A ws:// or wss:// URL'),
  });
}

export async function pickName(kind: 'space' | 'document', value = ''): Promise<string | undefined> {
  const name = await vscode.window.showInputBox({
    title: `Enclave: ${kind} name`,
    value,
    validateInput: (text) =>
      isValidName(text) ? undefined : 'Letters, digits, ".", "_" or "-", starting with a letter or digit',
  });
  return name === undefined ? undefined : checkName(kind, name);
}

export async function pickDocument(relay: string, space: string, identity: Identity): Promise<string | undefined> {
  // By real name, in a plain or a sealed space (whose names only members' keys open).
  const listed = await withSpace(relay, space, identity, (c) => listDocuments(c, identity));
  const documents = listed.flatMap((d) => (d.name === undefined ? [] : [{ ...d.info, name: d.name }]));
  if (documents.length === 0) {
    void vscode.window.showInformationMessage(`The space ${space} has no documents yet.`);
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(
    documents.map((d) => ({
      label: d.name,
      description: d.kind,
      detail: d.size ? `${(d.size / 1e3).toFixed(0)} kB` : undefined,
    })),
    { title: `Enclave: open a document of ${space}` },
  );
  return picked?.label;
}
