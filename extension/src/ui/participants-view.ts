/** The "Enclave" view in the Explorer: each shared document open here, and who is in it. */
import * as vscode from 'vscode';
import { describeAddress } from '../session/address.js';
import type { Presence } from '../session/participants.js';
import type { SessionRegistry } from '../session/session-registry.js';
import type { SharedSession } from '../session/shared-session.js';
import { describeStatus } from './status-bar.js';

/** A shared document, or a participant in one (the node is the Follow action's argument). */
type Node = { readonly session: SharedSession; readonly presence?: undefined } | ParticipantNode;
type ParticipantNode = { readonly session: SharedSession; readonly presence: Presence };

export class ParticipantsView implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly sessions: SessionRegistry) {
    this.subscriptions = [
      sessions.onDidChange(() => this.changed.fire()),
      vscode.window.registerTreeDataProvider('enclave.participants', this),
    ];
  }

  getChildren(node?: Node): Node[] {
    if (!node) return this.sessions.all().map((session) => ({ session }));
    if (node.presence) return [];
    const session = node.session;
    return session.others().map((presence) => ({ session, presence }));
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (!node.presence) {
      const item = new vscode.TreeItem(describeAddress(node.session.address), vscode.TreeItemCollapsibleState.Expanded);
      item.description = describeStatus(node.session);
      item.tooltip = node.session.address.relay;
      item.iconPath = new vscode.ThemeIcon(node.session.kind === 'notebook' ? 'notebook' : 'file-text');
      return item;
    }
    const item = new vscode.TreeItem(node.presence.name);
    item.description = node.presence.fingerprint;
    item.tooltip = node.presence.publicKey;
    item.iconPath = new vscode.ThemeIcon('account', new vscode.ThemeColor('charts.blue'));
    item.contextValue = 'participant';
    return item;
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
    this.changed.dispose();
  }
}
