/** The extension's settings, all under the `enclave.` prefix. */
import * as vscode from 'vscode';
import { readRelayList, type RelayEntry } from '@enclave/shared';

export interface EnclaveSettings {
  /**
   * Relays offered when sharing or opening; the first is the default. The shape both editors share
   * (shared's relay-settings.ts); a bare URL, this setting's earlier shape, is read too.
   */
  readonly relays: readonly RelayEntry[];
  /** Problems with relay entries, which are left out. */
  readonly problems: readonly string[];
  /** The name given to a new identity (a lead's access list may name you differently). */
  readonly displayName: string;
}

export function readSettings(): EnclaveSettings {
  const config = vscode.workspace.getConfiguration('enclave');
  const { relays, problems } = readRelayList(config.get<unknown[]>('relays', []));
  return { relays, problems, displayName: config.get<string>('displayName', '') };
}
