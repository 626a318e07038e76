/**
 * Identity commands: create (first use), set the display name, copy the public key for a lead, export and
 * import the identity file (the CLI's format, `{ name, publicKey, secretKey }`).
 */
import * as vscode from 'vscode';
import { fingerprint, type Identity, parseIdentity, serializeIdentity } from '@enclave/shared';
import { readSettings } from '../config/settings.js';
import type { IdentityStore } from './identity-store.js';

/** The stored identity, or a new one after asking for a display name. Undefined if the user cancels. */
export async function ensureIdentity(store: IdentityStore): Promise<Identity | undefined> {
  const existing = await store.get();
  if (existing) return existing;
  const name =
    readSettings().displayName ||
    (await vscode.window.showInputBox({
      title: 'Enclave: create your identity',
      prompt: 'The name others see next to your cursor (a lead may rename you on the access list).',
      validateInput: (value) => (value.trim() === '' ? 'A name is needed' : undefined),
    }));
  if (!name) return undefined;
  const identity = await store.create(name.trim());
  void vscode.window.showInformationMessage(
    `Enclave identity created for ${identity.name} (${await fingerprint(identity.publicKey)}). Send your public key to a lead to be added.`,
  );
  return identity;
}

export function registerIdentityCommands(store: IdentityStore): vscode.Disposable {
  return vscode.Disposable.from(
    vscode.commands.registerCommand('enclave.createIdentity', async (name?: string) => {
      if (name) return (await store.create(name)).publicKey;
      const existing = await store.get();
      if (existing) {
        const replace = await vscode.window.showWarningMessage(
          `Replace your Enclave identity ${existing.name}? Spaces that admitted its key will not admit the new one.`,
          { modal: true },
          'Replace',
        );
        if (replace !== 'Replace') return undefined;
        await store.clear();
      }
      return (await ensureIdentity(store))?.publicKey;
    }),
    vscode.commands.registerCommand('enclave.setDisplayName', async (name?: string) => {
      const current = await ensureIdentity(store);
      if (!current) return;
      const next =
        name ??
        (await vscode.window.showInputBox({
          title: 'Enclave: display name',
          value: current.name,
          validateInput: (v) => (v.trim() ? undefined : 'A name is needed'),
        }));
      if (next) await store.rename(next.trim());
    }),
    vscode.commands.registerCommand('enclave.copyPublicKey', async () => {
      const identity = await ensureIdentity(store);
      if (!identity) return undefined;
      await vscode.env.clipboard.writeText(identity.publicKey);
      void vscode.window.showInformationMessage(`Public key copied (${await fingerprint(identity.publicKey)}).`);
      return identity.publicKey;
    }),
    vscode.commands.registerCommand('enclave.exportIdentity', async (target?: vscode.Uri) => {
      const identity = await ensureIdentity(store);
      if (!identity) return;
      const uri =
        target ??
        (await vscode.window.showSaveDialog({
          title: 'Export Enclave identity (keep it private)',
          filters: { JSON: ['json'] },
        }));
      if (!uri) return;
      await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(serializeIdentity(identity)));
    }),
    vscode.commands.registerCommand('enclave.importIdentity', async (source?: vscode.Uri | string) => {
      let text: string;
      if (typeof source === 'string') text = source;
      else {
        const uri =
          source ??
          (await vscode.window.showOpenDialog({ title: 'Import Enclave identity', canSelectMany: false }))?.[0];
        if (!uri) return undefined;
        text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
      }
      let identity: Identity;
      try {
        identity = parseIdentity(text);
      } catch (error) {
        // Said, then rethrown so a script calling the command sees the failure too; the stored identity stays.
        const why = error instanceof Error ? error.message : String(error);
        void vscode.window.showErrorMessage(
          `Enclave: the identity was not imported: ${why}. Your identity is unchanged.`,
        );
        throw error;
      }
      await store.set(identity);
      void vscode.window.showInformationMessage(
        `Enclave identity imported: ${identity.name} (${await fingerprint(identity.publicKey)}). VS Code now joins spaces as them.`,
      );
      return identity.publicKey;
    }),
  );
}
