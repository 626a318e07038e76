/** The extension's settings, all under the `enclave.` prefix. */
import * as vscode from 'vscode';

export interface EnclaveSettings {
  /** Relay URLs (ws:// or wss://) offered when sharing or opening; the first is the default. */
  readonly relays: readonly string[];
  /** The name given to a new identity (a lead's access list may name you differently). */
  readonly displayName: string;
}

export function readSettings(): EnclaveSettings {
  const config = vscode.workspace.getConfiguration('enclave');
  return {
    relays: config.get<string[]>('relays', []).filter((url) => typeof url === 'string' && url.trim() !== ''),
    displayName: config.get<string>('displayName', ''),
  };
}
