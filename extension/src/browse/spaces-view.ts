/**
 * The "Enclave Spaces" view: relays, then per relay the spaces this person is a member of (the relay
 * channel's `spaces.mine`) and those known here (opened or added by hand), then per space its documents
 * (click to open), its members with their roles and who is present, and for leads the pending access
 * requests and open invites. A space is read over one control channel when expanded, and again on refresh.
 */
import * as vscode from 'vscode';
import type {
  AccessRequestInfo,
  DocumentInfo,
  Identity,
  InviteInfo,
  Member,
  MySpaceInfo,
  RelayEntry,
} from '@enclave/shared';
import { listMySpaces, personLabel } from '@enclave/shared';
import { withSpace } from '../commands/space-channel.js';
import { readSettings } from '../config/settings.js';
import { relayName } from '../files/document-uri.js';
import { globalWebSocket, relayAddresses } from '../session/connect.js';
import type { SessionRegistry } from '../session/session-registry.js';
import type { KnownSpaces } from './known-spaces.js';

interface SpaceContent {
  readonly documents: readonly DocumentInfo[];
  readonly members: readonly Member[];
  /** Leads only. */
  readonly requests?: readonly AccessRequestInfo[];
  readonly invites?: readonly InviteInfo[];
}

type Section = 'documents' | 'members' | 'requests' | 'invites';

export type BrowseNode =
  | { readonly kind: 'relay'; readonly relay: RelayEntry }
  | {
      readonly kind: 'space';
      readonly relay: string;
      readonly space: string;
      /** From `spaces.mine`; absent for a space only remembered here. */
      readonly mine?: MySpaceInfo;
    }
  | { readonly kind: 'section'; readonly section: Section; readonly relay: string; readonly space: string }
  | { readonly kind: 'document'; readonly relay: string; readonly space: string; readonly document: DocumentInfo }
  | { readonly kind: 'member'; readonly member: Member; readonly you: boolean; readonly present: boolean }
  | { readonly kind: 'request'; readonly request: AccessRequestInfo }
  | { readonly kind: 'invite'; readonly invite: InviteInfo }
  | { readonly kind: 'message'; readonly text: string };

const SECTION_TITLES: Record<Section, string> = {
  documents: 'Documents',
  members: 'Members',
  requests: 'Pending access requests',
  invites: 'Open invites',
};

export class SpacesView implements vscode.TreeDataProvider<BrowseNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<BrowseNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly loaded = new Map<string, Promise<SpaceContent>>();
  /** Per relay URL and key, the spaces that key is a member of there. */
  private readonly mine = new Map<string, Promise<readonly MySpaceInfo[]>>();
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    private readonly known: KnownSpaces,
    private readonly sessions: SessionRegistry,
    private readonly identity: () => Promise<Identity | undefined>,
  ) {
    this.subscriptions = [
      known.onDidChange(() => this.changed.fire(undefined)),
      // Presence changes only re-render; the space is not read again.
      sessions.onDidChange(() => this.changed.fire(undefined)),
      vscode.window.registerTreeDataProvider('enclave.spaces', this),
    ];
  }

  /** Reads every space again on its next expansion. */
  refresh(): void {
    this.loaded.clear();
    this.mine.clear();
    this.changed.fire(undefined);
  }

  async getChildren(node?: BrowseNode): Promise<BrowseNode[]> {
    if (!node) return this.relays().map((relay) => ({ kind: 'relay', relay }));
    switch (node.kind) {
      case 'relay':
        return this.relaySpaces(node.relay.url);
      case 'space':
        return this.spaceSections(node.relay, node.space);
      case 'section':
        return this.sectionItems(node);
      default:
        return [];
    }
  }

  getTreeItem(node: BrowseNode): vscode.TreeItem {
    const collapsed = vscode.TreeItemCollapsibleState.Collapsed;
    switch (node.kind) {
      case 'relay': {
        const item = new vscode.TreeItem(node.relay.name, vscode.TreeItemCollapsibleState.Expanded);
        item.description = node.relay.url;
        item.iconPath = new vscode.ThemeIcon('server');
        item.contextValue = 'relay';
        return item;
      }
      case 'space': {
        const item = new vscode.TreeItem(node.space, collapsed);
        if (node.mine) item.description = node.mine.sealed ? `${node.mine.role} · sealed` : node.mine.role;
        item.iconPath = new vscode.ThemeIcon('organization');
        item.contextValue = 'space';
        return item;
      }
      case 'section': {
        const item = new vscode.TreeItem(
          SECTION_TITLES[node.section],
          node.section === 'documents' ? vscode.TreeItemCollapsibleState.Expanded : collapsed,
        );
        item.contextValue = `section-${node.section}`;
        return item;
      }
      case 'document': {
        const item = new vscode.TreeItem(node.document.name);
        item.description = node.document.kind;
        item.iconPath = new vscode.ThemeIcon(node.document.kind === 'notebook' ? 'notebook' : 'file-text');
        item.command = {
          command: 'enclave.open',
          title: 'Open',
          arguments: [{ relay: node.relay, space: node.space, document: node.document.name }],
        };
        item.contextValue = 'document';
        return item;
      }
      case 'member': {
        const item = new vscode.TreeItem(personLabel(node.member.name, node.member.fingerprint));
        item.description = [node.member.role, node.you ? 'you' : '', node.present ? 'here now' : '']
          .filter(Boolean)
          .join(' · ');
        item.tooltip = node.member.publicKey;
        item.iconPath = new vscode.ThemeIcon(node.present ? 'account' : 'person');
        return item;
      }
      case 'request': {
        const item = new vscode.TreeItem(personLabel(node.request.name, node.request.fingerprint));
        item.description = node.request.message;
        item.tooltip = `${node.request.publicKey}\nasked ${node.request.created}`;
        item.command = { command: 'enclave.accessRequests', title: 'Answer' };
        return item;
      }
      case 'invite': {
        const item = new vscode.TreeItem(`${node.invite.role} invite ${node.invite.id}`);
        item.description = `until ${node.invite.expires}`;
        return item;
      }
      case 'message':
        return new vscode.TreeItem(node.text);
    }
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
    this.changed.dispose();
  }

  /** The configured relays, and those of remembered spaces that are not configured. */
  private relays(): RelayEntry[] {
    const configured = readSettings().relays;
    const result = [...configured];
    for (const { relay } of this.known.all()) {
      if (!result.some((r) => r.url === relay)) result.push({ name: relayName(relay, result), url: relay });
    }
    return result;
  }

  /** The spaces the relay says this key is in, then those only remembered here (added by hand, say). */
  private async relaySpaces(relay: string): Promise<BrowseNode[]> {
    const nodes: BrowseNode[] = [];
    let mine: readonly MySpaceInfo[] = [];
    try {
      mine = await this.mySpaces(relay);
    } catch (error) {
      nodes.push({ kind: 'message', text: `Could not ask the relay for your spaces: ${(error as Error).message}` });
    }
    for (const info of mine) nodes.push({ kind: 'space', relay, space: info.name, mine: info });
    for (const { space } of this.known.all().filter((s) => s.relay === relay)) {
      if (!mine.some((info) => info.name === space)) nodes.push({ kind: 'space', relay, space });
    }
    if (nodes.length === 0) return [{ kind: 'message', text: 'No spaces yet: Add Space… or join by invite' }];
    return nodes;
  }

  /** Asked once per relay and identity until the next refresh. */
  private async mySpaces(relay: string): Promise<readonly MySpaceInfo[]> {
    const identity = await this.identity();
    // Without an identity there is nothing to ask; the remembered spaces still show.
    if (!identity) return [];
    const key = JSON.stringify([relay, identity.publicKey]);
    let result = this.mine.get(key);
    if (!result) {
      result = listMySpaces({ ...relayAddresses(relay), identity, WebSocket: globalWebSocket() });
      result.catch(() => this.mine.delete(key));
      this.mine.set(key, result);
    }
    return result;
  }

  private async spaceSections(relay: string, space: string): Promise<BrowseNode[]> {
    let content: SpaceContent;
    try {
      content = await this.load(relay, space);
    } catch (error) {
      this.loaded.delete(JSON.stringify([relay, space]));
      return [{ kind: 'message', text: `Could not read ${space}: ${(error as Error).message}` }];
    }
    const sections: Section[] = ['documents', 'members'];
    if (content.requests) sections.push('requests', 'invites');
    return sections.map((section) => ({ kind: 'section', section, relay, space }));
  }

  private async sectionItems(node: Extract<BrowseNode, { kind: 'section' }>): Promise<BrowseNode[]> {
    const content = await this.load(node.relay, node.space);
    const identity = await this.identity();
    const empty = (text: string): BrowseNode[] => [{ kind: 'message', text }];
    switch (node.section) {
      case 'documents':
        return content.documents.length === 0
          ? empty('No documents yet')
          : content.documents.map((document) => ({ kind: 'document', relay: node.relay, space: node.space, document }));
      case 'members': {
        const present = this.presentKeys(node.relay, node.space);
        return content.members.map((member) => ({
          kind: 'member',
          member,
          you: member.publicKey === identity?.publicKey,
          present: present.has(member.publicKey),
        }));
      }
      case 'requests':
        return content.requests?.length
          ? content.requests.map((request) => ({ kind: 'request', request }))
          : empty('No pending requests');
      case 'invites':
        return content.invites?.length
          ? content.invites.map((invite) => ({ kind: 'invite', invite }))
          : empty('No open invites');
    }
  }

  /** Keys seen in the awareness of this space's documents open here (the relay stamps them). */
  private presentKeys(relay: string, space: string): Set<string> {
    const keys = new Set<string>();
    for (const session of this.sessions.all()) {
      if (session.address.relay !== relay || session.address.space !== space) continue;
      for (const presence of session.others()) keys.add(presence.publicKey);
    }
    return keys;
  }

  private load(relay: string, space: string): Promise<SpaceContent> {
    const key = JSON.stringify([relay, space]);
    let result = this.loaded.get(key);
    if (!result) {
      result = this.read(relay, space);
      this.loaded.set(key, result);
    }
    return result;
  }

  private async read(relay: string, space: string): Promise<SpaceContent> {
    const identity = await this.identity();
    if (!identity) throw new Error('create or import an identity first');
    return withSpace(relay, space, identity, async (channel) => {
      const { members } = await channel.request({ op: 'members.list' });
      const { documents } = await channel.request({ op: 'documents.list' });
      const me = members.find((m) => m.publicKey === identity.publicKey);
      if (me?.role !== 'lead') return { members, documents };
      const { requests } = await channel.request({ op: 'requests.list', status: 'pending' });
      const { invites } = await channel.request({ op: 'invites.list' });
      return { members, documents, requests, invites: invites.filter((i) => i.status === 'open') };
    });
  }
}
