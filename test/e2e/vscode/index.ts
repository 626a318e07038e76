/**
 * Runs the end-to-end scenarios inside VS Code (the extension host's web worker) with mocha's browser build and
 * the spec reporter, whose output reaches the orchestrator's terminal through the console.
 */
import 'mocha/mocha.js';
import * as vscode from 'vscode';
import { ignoreIpynbWorkerErrors } from '../../../extension/test/vscode/support/ipynb-worker-errors.js';

/** The orchestrator's ENCLAVE_E2E_GREP and relay list, passed in the workspace's enclave-test.json. */
async function orders(): Promise<{ grep?: string; relays?: unknown[] }> {
  const workspace = vscode.workspace.workspaceFolders?.[0]?.uri;
  if (!workspace) return {};
  const text = new TextDecoder().decode(
    await vscode.workspace.fs.readFile(vscode.Uri.joinPath(workspace, 'enclave-test.json')),
  );
  return JSON.parse(text) as { grep?: string; relays?: unknown[] };
}

export async function run(): Promise<void> {
  const { grep: only, relays } = await orders();
  // The relay service as a person configures it (both addresses on a cluster), so every connection the
  // extension opens knows where to move when its relay dies.
  if (relays) await vscode.workspace.getConfiguration('enclave').update('relays', relays, true);
  return new Promise((resolve, reject) => {
    mocha.setup({ ui: 'bdd', reporter: 'spec', timeout: 90_000, color: false, ...(only ? { grep: only } : {}) });
    ignoreIpynbWorkerErrors();
    require('./e2e.test.ts');
    require('./sealed.test.ts');
    require('./sealed-messages.test.ts');
    try {
      mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} tests failed`)) : resolve()));
    } catch (error) {
      reject(error as Error);
    }
  });
}

declare const require: (id: string) => unknown;
