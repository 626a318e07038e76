/**
 * The Enclave side panel: nobody types a document path. Relays from the settings -> the person's spaces on
 * each (`spaces.mine`) -> a space's documents (open), new notebook or draft, sharing the notebook in front of
 * the person into it, its members with roles and who is present, and for leads pending requests and open
 * invites. Fetching lives in browse/; this module only draws and forwards clicks.
 */
import type { MySpaceInfo } from '@enclave/shared';
import { Widget } from '@lumino/widgets';
import { loadSpaceDetails, presentKeys, type SpaceDetails } from '../browse/space-details.js';
import type { EnclaveService } from '../enclave-service.js';
import type { DocumentLink } from '../session/document-link.js';

/** What the panel asks JupyterLab to do. */
export interface EnclavePanelActions {
  open(relay: string, space: string, document: string): Promise<unknown>;
  create(relay: string, space: string, kind: 'notebook' | 'draft'): Promise<unknown>;
  shareCurrent(relay: string, space: string): Promise<unknown>;
  report(title: string, error: unknown): void;
}

export class EnclavePanel extends Widget {
  /** Spaces whose details are shown, as `relay/space`. */
  private readonly expanded = new Set<string>();
  private readonly details = new Map<string, SpaceDetails | Error>();
  private spaces = new Map<string, readonly MySpaceInfo[] | Error>();
  private generation = 0;

  constructor(
    private readonly service: EnclaveService,
    private readonly actions: EnclavePanelActions,
  ) {
    super();
    this.id = 'enclave-browser';
    this.addClass('enclave-browser');
    this.title.caption = 'Enclave: relays, spaces and documents';
    // Presence: who is in the open documents of a space changes as their links connect, sync and end.
    service.links.on('added', this.watchLink);
    service.links.on('removed', this.unwatchLink);
    this.draw();
  }

  override dispose(): void {
    if (this.isDisposed) return;
    this.service.links.off('added', this.watchLink);
    this.service.links.off('removed', this.unwatchLink);
    super.dispose();
  }

  private readonly watchLink = (_path: string, link: DocumentLink): void => {
    link.on('status', this.draw);
    link.awareness.on('change', this.drawPresence);
    this.draw();
  };

  private readonly unwatchLink = (_path: string, link: DocumentLink): void => {
    link.off('status', this.draw);
    link.awareness.off('change', this.drawPresence);
    this.draw();
  };

  /** Awareness changes with every cursor move: redraw only when someone came or went. */
  private presenceSeen = '';
  private readonly drawPresence = (): void => {
    const seen = [...this.expanded]
      .map((key) => [...presentKeys(this.service, ...(key.split('/') as [string, string]))].sort().join())
      .join(';');
    if (seen === this.presenceSeen) return;
    this.presenceSeen = seen;
    this.draw();
  };

  /**
   * Lists each relay's spaces again, and the details of the spaces that are open. Without an identity it
   * lists nothing, unless `createIdentity` (the person pressed Refresh): then it asks for a name first.
   */
  async refresh(options: { createIdentity?: boolean } = {}): Promise<void> {
    const generation = ++this.generation;
    if (!this.service.identities.current && options.createIdentity === false) {
      this.spaces = new Map();
      this.draw();
      return;
    }
    const relays = this.service.settings.relays;
    const spaces = new Map<string, readonly MySpaceInfo[] | Error>();
    await Promise.all(
      relays.map(async ({ name }) => {
        spaces.set(name, await this.service.mySpaces(name).catch((error: unknown) => asError(error)));
      }),
    );
    if (generation !== this.generation) return;
    this.spaces = spaces;
    this.draw();
    await Promise.all([...this.expanded].map((key) => this.loadDetails(key)));
  }

  private async loadDetails(key: string): Promise<void> {
    const [relay, space] = key.split('/') as [string, string];
    const info = this.spaceInfo(relay, space);
    if (!info) return;
    const details = await loadSpaceDetails(this.service, relay, space, info.role).catch((e: unknown) => asError(e));
    this.details.set(key, details);
    this.draw();
  }

  private spaceInfo(relay: string, space: string): MySpaceInfo | undefined {
    const list = this.spaces.get(relay);
    return list instanceof Error ? undefined : list?.find((s) => s.name === space);
  }

  private readonly draw = (): void => {
    if (this.isDisposed) return;
    const node = this.node;
    node.replaceChildren();
    const header = element('div', 'enclave-browser-header');
    header.append(
      element('h2', '', 'Enclave'),
      this.button('Refresh', 'enclave-refresh', () => this.refresh()),
    );
    node.appendChild(header);
    const relays = this.service.settings.relays;
    if (!this.service.identities.current) {
      node.appendChild(
        element(
          'p',
          'enclave-browser-note',
          'No Enclave identity in this browser yet: press Refresh to create one, or import one (Enclave > Import Identity File).',
        ),
      );
    }
    if (relays.length === 0) {
      node.appendChild(element('p', 'enclave-browser-empty', 'No relay yet: add one in Settings > Enclave.'));
    }
    for (const relay of relays) node.appendChild(this.relaySection(relay.name, relay.url));
  };

  private relaySection(relay: string, url: string): HTMLElement {
    const section = element('section', 'enclave-relay');
    section.dataset['relay'] = relay;
    const title = element('h3', '', relay);
    title.title = url;
    section.appendChild(title);
    const spaces = this.spaces.get(relay);
    if (spaces === undefined) section.appendChild(element('p', 'enclave-browser-note', 'Press Refresh to list.'));
    else if (spaces instanceof Error) {
      section.appendChild(element('p', 'enclave-browser-problem', `Cannot list spaces: ${spaces.message}`));
    } else if (spaces.length === 0) {
      section.appendChild(
        element(
          'p',
          'enclave-browser-note',
          'You are in no space here yet: join with an invite link (Enclave: Join), or ask a lead to add your key.',
        ),
      );
    }
    for (const space of spaces instanceof Error ? [] : (spaces ?? []))
      section.appendChild(this.spaceItem(relay, space));
    return section;
  }

  private spaceItem(relay: string, space: MySpaceInfo): HTMLElement {
    const key = `${relay}/${space.name}`;
    const item = element('details', 'enclave-space') as HTMLDetailsElement;
    item.dataset['space'] = space.name;
    item.open = this.expanded.has(key);
    const summary = element('summary', '', `${space.name} `);
    summary.appendChild(element('span', 'enclave-role', space.role + (space.sealed ? ' · sealed' : '')));
    item.appendChild(summary);
    item.addEventListener('toggle', () => {
      if (item.open === this.expanded.has(key)) return;
      if (item.open) {
        this.expanded.add(key);
        void this.loadDetails(key);
      } else this.expanded.delete(key);
    });
    if (!item.open) return item;
    const details = this.details.get(key);
    if (details === undefined) item.appendChild(element('p', 'enclave-browser-note', 'Loading…'));
    else if (details instanceof Error) item.appendChild(element('p', 'enclave-browser-problem', details.message));
    else item.appendChild(this.spaceBody(relay, space, details));
    return item;
  }

  private spaceBody(relay: string, space: MySpaceInfo, details: SpaceDetails): HTMLElement {
    const body = element('div', 'enclave-space-body');
    body.appendChild(element('h4', '', 'Documents'));
    const documents = element('ul', 'enclave-documents');
    for (const doc of details.documents) {
      const li = element('li');
      const open = this.button(doc.name, 'enclave-document', () => this.actions.open(relay, space.name, doc.name));
      open.dataset['document'] = doc.name;
      open.title = `Open ${doc.kind} ${space.name}/${doc.name}`;
      li.appendChild(open);
      documents.appendChild(li);
    }
    if (details.documents.length === 0)
      documents.appendChild(element('li', 'enclave-browser-note', 'No documents yet.'));
    body.appendChild(documents);
    if (space.role !== 'viewer') {
      const actions = element('div', 'enclave-space-actions');
      actions.append(
        this.button('New Notebook', 'enclave-new-notebook', () => this.create(relay, space.name, 'notebook')),
        this.button('New Draft', 'enclave-new-draft', () => this.create(relay, space.name, 'draft')),
        this.button('Share Current File Here', 'enclave-share-here', () => this.shareHere(relay, space.name)),
      );
      body.appendChild(actions);
    }
    body.appendChild(element('h4', '', 'Members'));
    const present = presentKeys(this.service, relay, space.name);
    const members = element('ul', 'enclave-space-members');
    for (const member of details.members) {
      const li = element('li', present.has(member.publicKey) ? 'enclave-member enclave-present' : 'enclave-member');
      li.dataset['publicKey'] = member.publicKey;
      li.textContent = `${present.has(member.publicKey) ? '● ' : ''}${member.name} (${member.fingerprint}) · ${member.role}`;
      li.title = `${member.publicKey}${present.has(member.publicKey) ? '\nPresent in a document open here' : ''}`;
      members.appendChild(li);
    }
    body.appendChild(members);
    if (details.requests) {
      body.appendChild(element('h4', '', `Pending requests (${details.requests.length})`));
      const list = element('ul', 'enclave-space-requests');
      for (const request of details.requests) {
        const li = element(
          'li',
          'enclave-space-request',
          `${request.name} (${request.fingerprint}): "${request.message}" `,
        );
        li.dataset['requestId'] = request.id;
        li.append(
          this.button('Approve as editor', 'enclave-approve', () =>
            this.after(relay, space.name, { op: 'requests.approve', id: request.id, role: 'editor' }),
          ),
          this.button('Deny', 'enclave-deny', () =>
            this.after(relay, space.name, { op: 'requests.deny', id: request.id }),
          ),
        );
        list.appendChild(li);
      }
      body.appendChild(list);
    }
    if (details.invites) {
      body.appendChild(element('h4', '', `Open invites (${details.invites.length})`));
      const list = element('ul', 'enclave-space-invites');
      for (const invite of details.invites) {
        const li = element('li', 'enclave-space-invite', `${invite.id} · ${invite.role} · until ${invite.expires} `);
        li.dataset['inviteId'] = invite.id;
        li.appendChild(
          this.button('Revoke', 'enclave-revoke-invite', () =>
            this.after(relay, space.name, { op: 'invites.revoke', id: invite.id }),
          ),
        );
        list.appendChild(li);
      }
      body.appendChild(list);
    }
    return body;
  }

  private async create(relay: string, space: string, kind: 'notebook' | 'draft'): Promise<void> {
    await this.actions.create(relay, space, kind);
    await this.loadDetails(`${relay}/${space}`);
  }

  private async shareHere(relay: string, space: string): Promise<void> {
    await this.actions.shareCurrent(relay, space);
    await this.loadDetails(`${relay}/${space}`);
  }

  /** A lead's request from the panel, then the space is listed again. */
  private async after(
    relay: string,
    space: string,
    request:
      | { op: 'requests.approve'; id: string; role: 'editor' }
      | { op: 'requests.deny'; id: string }
      | { op: 'invites.revoke'; id: string },
  ): Promise<void> {
    await this.service.spaceRequest(relay, space, request);
    await this.loadDetails(`${relay}/${space}`);
  }

  private button(label: string, className: string, run: () => Promise<unknown>): HTMLButtonElement {
    const button = element('button', `jp-Button jp-mod-styled jp-mod-minimal ${className}`, label) as HTMLButtonElement;
    button.onclick = () => {
      button.disabled = true;
      run()
        .catch((error: unknown) => this.actions.report(`Enclave: ${label}`, error))
        .finally(() => (button.disabled = false));
    };
    return button;
  }
}

function element(tag: string, className = '', text?: string): HTMLElement {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
