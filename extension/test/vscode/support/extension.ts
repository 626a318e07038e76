/** The extension under test, as VS Code loaded it, and helpers to drive it as a user would. */
import * as vscode from 'vscode';
import type { Identity } from '@enclave/shared';
import { serializeIdentity } from '@enclave/shared';
import type { EnclaveApi } from '../../../src/extension.js';
import { EXTENSION_ID } from '../../../src/session/address.js';
import { testEnvironment } from './environment.js';

export async function enclave(): Promise<EnclaveApi> {
  const extension = vscode.extensions.getExtension<EnclaveApi>(EXTENSION_ID);
  if (!extension) throw new Error(`${EXTENSION_ID} is not installed`);
  return extension.activate();
}

/** Makes `identity` the one VS Code uses (through the import command, stored in SecretStorage). */
export async function useIdentity(identity: Identity): Promise<void> {
  await vscode.commands.executeCommand('enclave.importIdentity', serializeIdentity(identity));
}

/** Opens a shared document with the extension's command; resolves with the notebook VS Code shows. */
export async function openSharedNotebook(space: string, document: string): Promise<vscode.NotebookDocument> {
  const { relay } = await testEnvironment();
  const uri = await vscode.commands.executeCommand<string | undefined>('enclave.open', { relay, space, document });
  if (!uri) throw new Error('enclave.open returned nothing');
  const notebook = vscode.workspace.notebookDocuments.find((nb) => nb.uri.toString() === uri);
  if (!notebook) throw new Error(`no notebook ${uri}`);
  return notebook;
}

export async function leaveAll(): Promise<void> {
  const api = await enclave();
  for (const session of api.sessions.all()) api.sessions.end(session);
}
