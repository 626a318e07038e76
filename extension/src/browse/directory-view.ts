/**
 * The "Enclave Directory" view: per configured relay, the spaces listed on its directory, each checked
 * against its lead's signature by shared's readDirectory. A verified listing says who signed it (the
 * fingerprint a visitor compares with one learned elsewhere); anything else is marked NOT VERIFIED with the
 * reason and offers no Ask to Join. Under a listing: its research area, expectations, leads, member count,
 * when it was listed, the agreement if shown, and people the reader already shares a space with.
 */
import * as vscode from 'vscode';
import {
  type CheckedEntry,
  DIRECTORY_ROOM,
  EnclaveConnection,
  type Identity,
  listingTrustText,
  personText,
  readDirectory,
  type RelayEntry,
} from '@enclave/shared';
import { readSettings } from '../config/settings.js';
import { globalWebSocket, relayAddresses } from '../session/connect.js';

export type DirectoryNode =
  | { readonly kind: 'relay'; readonly relay: RelayEntry }
  | { readonly kind: 'listing'; readonly relay: string; readonly checked: CheckedEntry }
  | { readonly kind: 'detail'; readonly label: string; readonly text: string; readonly tooltip?: string }
  | { readonly kind: 'message'; readonly text: string };

export class DirectoryView implements vscode.TreeDataProvider<DirectoryNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<DirectoryNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly loaded = new Map<string, Promise<CheckedEntry[]>>();
  private readonly registration: vscode.Disposable;

  constructor(private readonly identity: () => Promise<Identity | undefined>) {
    this.registration = vscode.window.registerTreeDataProvider('enclave.directory', this);
  }

  /** Reads every relay's directory again. */
  refresh(): void {
    this.loaded.clear();
    this.changed.fire(undefined);
  }

  /** The listings of `relay` (a URL), each checked; read once until the next refresh. */
  listings(relay: string): Promise<CheckedEntry[]> {
    let result = this.loaded.get(relay);
    if (!result) {
      result = this.read(relay);
      result.catch(() => this.loaded.delete(relay));
      this.loaded.set(relay, result);
    }
    return result;
  }

  async getChildren(node?: DirectoryNode): Promise<DirectoryNode[]> {
    if (!node) {
      const relays = readSettings().relays;
      if (relays.length === 0)
        return [{ kind: 'message', text: 'Add a relay in Settings > Enclave to browse its directory' }];
      return relays.map((relay) => ({ kind: 'relay', relay }));
    }
    if (node.kind === 'relay') {
      let listings: CheckedEntry[];
      try {
        listings = await this.listings(node.relay.url);
      } catch (error) {
        return [{ kind: 'message', text: `Cannot read the directory: ${(error as Error).message}` }];
      }
      if (listings.length === 0) return [{ kind: 'message', text: 'No space is listed on this relay' }];
      return listings.map((checked) => ({ kind: 'listing', relay: node.relay.url, checked }));
    }
    if (node.kind === 'listing') return details(node.checked);
    return [];
  }

  getTreeItem(node: DirectoryNode): vscode.TreeItem {
    switch (node.kind) {
      case 'relay': {
        const item = new vscode.TreeItem(node.relay.name, vscode.TreeItemCollapsibleState.Expanded);
        item.description = node.relay.url;
        item.iconPath = new vscode.ThemeIcon('server');
        return item;
      }
      case 'listing': {
        const { entry, check } = node.checked;
        const item = new vscode.TreeItem(entry.title, vscode.TreeItemCollapsibleState.Collapsed);
        item.description = `${entry.space} · ${check.verified ? '✓ verified' : '⚠ NOT VERIFIED'}`;
        item.tooltip = check.verified
          ? `${listingTrustText(node.checked)}\nCompare ${entry.listedBy.fingerprint} with the lead's fingerprint you know from elsewhere.`
          : `${listingTrustText(node.checked)}\nThe relay served a listing its lead did not sign as shown: do not trust it.`;
        item.iconPath = new vscode.ThemeIcon(check.verified ? 'verified' : 'warning');
        // Only a verified listing carries the Ask to Join action (package.json: viewItem == listing-verified).
        item.contextValue = check.verified ? 'listing-verified' : 'listing-not-verified';
        return item;
      }
      case 'detail': {
        const item = new vscode.TreeItem(node.label);
        item.description = node.text;
        item.tooltip = node.tooltip ?? node.text;
        return item;
      }
      case 'message':
        return new vscode.TreeItem(node.text);
    }
  }

  dispose(): void {
    this.registration.dispose();
    this.changed.dispose();
  }

  private async read(relay: string): Promise<CheckedEntry[]> {
    const identity = await this.identity();
    if (!identity) throw new Error('create or import an identity first');
    const connection = new EnclaveConnection({
      ...relayAddresses(relay),
      room: DIRECTORY_ROOM,
      identity,
      WebSocket: globalWebSocket(),
      reconnect: false,
    }).connect();
    try {
      return await readDirectory(connection);
    } finally {
      connection.destroy();
    }
  }
}

/** What a listing shows when expanded, one line each. */
function details(checked: CheckedEntry): DirectoryNode[] {
  const { entry } = checked;
  const lines: DirectoryNode[] = [
    { kind: 'detail', label: 'Trust', text: listingTrustText(checked) },
    { kind: 'detail', label: 'Research area', text: entry.description },
  ];
  if (entry.expectations) lines.push({ kind: 'detail', label: 'Expects', text: entry.expectations });
  lines.push(
    { kind: 'detail', label: 'Leads', text: entry.leads.map(personText).join(', ') },
    { kind: 'detail', label: 'Members', text: String(entry.memberCount) },
    { kind: 'detail', label: 'Listed', text: entry.listedAt },
  );
  if (entry.agreement) {
    lines.push({
      kind: 'detail',
      label: `Agreement (version ${entry.agreement.version})`,
      text: entry.agreement.text,
      tooltip: `Signed by members before any content:\n\n${entry.agreement.text}`,
    });
  }
  if (entry.knownMembers.length > 0) {
    lines.push({
      kind: 'detail',
      label: 'People you share a space with',
      text: entry.knownMembers.map(personText).join(', '),
    });
  }
  return lines;
}
