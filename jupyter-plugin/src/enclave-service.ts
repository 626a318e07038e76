/**
 * Enclave inside one JupyterLab: the identity, the relays from the settings, the live document links,
 * and the space-level requests (members, grants) made on the person's behalf.
 */
import { browserChainPins } from './session/browser-chain-pins.js';
import {
  type CheckedEntry,
  createInvite,
  DIRECTORY_ROOM,
  readDirectory,
  type AgreementInfo,
  type AgreementSignatureInfo,
  type AuditEntry,
  EnclaveConnection,
  formatLink,
  newInviteLink,
  type Identity,
  type InviteInfo,
  listMySpaces,
  type Member,
  listDocuments,
  type MySpaceInfo,
  type PublicKeyText,
  connectionAddresses,
  type RelayAddresses,
  type RelayEntry,
  type Request,
  type RequestOp,
  type ResultOf,
  type Role,
  suggestRelayName,
  type WebSocketConstructor,
} from '@enclave/shared';
import { ObservableV2 } from 'lib0/observable';
import type { IdentityManager } from './identity/identity-manager.js';
import { AccessRequest } from './governance/access-request.js';
import { type AgreementPrompt, passAgreement, type StampedUser, stampedUser } from '@enclave/shared';
import { fetchAudit } from './governance/audit.js';
import { type Joined, joinWithInvite, parseInviteLink } from './governance/invites.js';
import { RequestWatcher } from './governance/request-watcher.js';
import { watchWhileLead } from './governance/watch-leads.js';
import { DEFAULT_SETTINGS, type EnclaveSettings, findRelay, findRelayByUrl } from './settings.js';
import { LinkRegistry } from './session/link-registry.js';
import { publish, type LocalContent } from './session/publish.js';
import type { EnclaveLocation } from './drive/enclave-path.js';

export interface EnclaveServiceOptions {
  readonly identities: IdentityManager;
  /** Asks the person for a display name when an identity must be created. */
  readonly askName: (suggested: string) => Promise<string>;
  readonly WebSocket: WebSocketConstructor;
  /** Shows a space's agreement; resolve true to sign it with this identity's key. */
  readonly agreement: AgreementPrompt;
  /** Adds a relay met in an invite link to the settings (so its documents can be opened by name). */
  readonly rememberRelay?: (entry: RelayEntry) => Promise<void>;
}

export interface EnclaveServiceEvents {
  /** The settings were read again (relays may have been added or removed). */
  settings: () => void;
}

export class EnclaveService {
  readonly links = new LinkRegistry();
  readonly events = new ObservableV2<EnclaveServiceEvents>();
  /** Pending access requests of the spaces this person leads and watches. */
  readonly requests: RequestWatcher;
  private current: EnclaveSettings = DEFAULT_SETTINGS;
  private readonly asking = new Set<AccessRequest>();
  private readonly stopWatching: () => void;

  constructor(private readonly options: EnclaveServiceOptions) {
    this.requests = new RequestWatcher({
      relayAddresses: (relay) => this.relayAddresses(relay),
      identity: () => this.identity(),
      WebSocket: options.WebSocket,
    });
    this.stopWatching = watchWhileLead(this.links, this.requests);
  }

  get agreementPrompt(): AgreementPrompt {
    return this.options.agreement;
  }

  get WebSocket(): WebSocketConstructor {
    return this.options.WebSocket;
  }

  get identities(): IdentityManager {
    return this.options.identities;
  }

  get settings(): EnclaveSettings {
    return this.current;
  }

  set settings(settings: EnclaveSettings) {
    this.current = settings;
    this.events.emit('settings', []);
  }

  /**
   * The addresses every connection to the named relay uses: all of the service's (shared's
   * connectionAddresses), so a link whose relay dies moves to another address of the same service.
   */
  relayAddresses(name: string): RelayAddresses {
    return connectionAddresses(this.current.relays, findRelay(this.current, name).url);
  }

  /** The identity, created on first use (asking for a display name). */
  identity(): Promise<Identity> {
    return this.options.identities.ensure(() => this.options.askName(this.current.displayName));
  }

  /** The awareness `user` fields for this identity: the same fields the relay stamps for everyone. */
  async awarenessUser(identity: Identity): Promise<StampedUser> {
    const summary = (await this.options.identities.summary(identity))!;
    return stampedUser({ ...summary, publicKey: identity.publicKey });
  }

  /** Shares local content into `location` (a new document, or a confirmed replacement). */
  async share(
    location: Required<EnclaveLocation>,
    content: LocalContent,
    confirmReplace: () => Promise<boolean>,
  ): Promise<{ replaced: boolean }> {
    return publish({
      ...this.relayAddresses(location.relay),
      room: { space: location.space, document: location.document },
      identity: await this.identity(),
      WebSocket: this.options.WebSocket,
      content,
      confirmReplace,
    });
  }

  /**
   * Runs `work` on an admitted space-channel connection, closed afterwards. If the space has an agreement
   * this identity has not signed, the person reads it first (and nothing runs unless they sign).
   */
  async onSpace<T>(relay: string, space: string, work: (connection: EnclaveConnection) => Promise<T>): Promise<T> {
    const connection = new EnclaveConnection({
      ...this.relayAddresses(relay),
      room: { space },
      identity: await this.identity(),
      WebSocket: this.options.WebSocket,
      reconnect: false,
      chainPins: browserChainPins(),
    }).connect();
    try {
      await passAgreement(connection, { relay, space }, this.options.agreement);
      return await work(connection);
    } finally {
      connection.destroy();
    }
  }

  /** One request on a space's control channel (members, grants, documents). */
  spaceRequest<Op extends RequestOp>(
    relay: string,
    space: string,
    request: Extract<Request, { op: Op }>,
  ): Promise<ResultOf[Op]> {
    return this.onSpace(relay, space, (connection) => connection.request(request));
  }

  /**
   * The relay name for a link's addresses (`alternates`: the same service's other addresses): the configured
   * relay with any of them, or a new entry remembered in the settings.
   */
  async relayForUrl(url: string, alternates: readonly string[] = []): Promise<string> {
    for (const address of [url, ...alternates]) {
      const known = findRelayByUrl(this.current, address);
      if (known) return known.name;
    }
    const entry = {
      name: suggestRelayName(
        url,
        this.current.relays.map((r) => r.name),
      ),
      url,
      ...(alternates.length > 0 ? { alternates: [...alternates] } : {}),
    };
    if (!this.options.rememberRelay) throw new Error(`add the relay ${url} in Settings > Enclave first`);
    await this.options.rememberRelay(entry);
    this.current = { ...this.current, relays: [...this.current.relays, entry] };
    return entry.name;
  }

  /** Creates a one-time invite; the link is what the invitee pastes (or opens as a JupyterLab address). */
  async createInvite(
    relay: string,
    space: string,
    role: Role,
    expiresInSeconds: number,
  ): Promise<{ invite: InviteInfo; link: string }> {
    // shared's createInvite: in a sealed space the link also carries the invite's admission secret.
    const created = await this.onSpace(relay, space, (connection) => createInvite(connection, role, expiresInSeconds));
    const { url, alternates } = findRelay(this.current, relay);
    return {
      invite: created.invite,
      link: formatLink(newInviteLink({ relay: url, ...(alternates ? { alternates } : {}) }, space, created)),
    };
  }

  /** The space's invites, open or not (leads). */
  async invites(relay: string, space: string): Promise<readonly InviteInfo[]> {
    return (await this.spaceRequest(relay, space, { op: 'invites.list' })).invites;
  }

  /** Revokes an open invite: its link then admits nobody (leads). */
  async revokeInvite(relay: string, space: string, id: string): Promise<InviteInfo> {
    return (await this.spaceRequest(relay, space, { op: 'invites.revoke', id })).invite;
  }

  /** Joins a space with a pasted invite link; rejects with the relay's reason when it admits nobody. */
  async join(text: string): Promise<Joined> {
    const link = parseInviteLink(text);
    const relay = await this.relayForUrl(link.relay, link.alternates);
    return joinWithInvite({
      link,
      relay,
      relays: this.current.relays,
      identity: await this.identity(),
      WebSocket: this.options.WebSocket,
      agreement: this.options.agreement,
    });
  }

  /** The relay's directory, each listing checked against its lead's signature. */
  async directory(relay: string): Promise<CheckedEntry[]> {
    const connection = new EnclaveConnection({
      ...this.relayAddresses(relay),
      room: DIRECTORY_ROOM,
      identity: await this.identity(),
      WebSocket: this.options.WebSocket,
      reconnect: false,
    }).connect();
    try {
      return await readDirectory(connection);
    } finally {
      connection.destroy();
    }
  }

  /**
   * Asks a space's leads to let this identity in; the request stays open until they answer. `via` says it
   * was asked from the space's listing in the directory.
   */
  async requestAccess(relay: string, space: string, message: string, via?: 'directory'): Promise<AccessRequest> {
    const identity = await this.identity();
    const request = new AccessRequest({
      ...this.relayAddresses(relay),
      relay,
      space,
      identity,
      name: identity.name,
      message,
      ...(via ? { via } : {}),
      WebSocket: this.options.WebSocket,
      agreement: this.options.agreement,
    });
    this.asking.add(request);
    void request.whenSettled().then(() => {
      this.asking.delete(request);
      request.destroy();
    });
    return request;
  }

  /** Sets (or changes) the space's agreement; the lead who sets it signs it too, as the CLI does. */
  async setAgreement(relay: string, space: string, text: string): Promise<AgreementInfo> {
    return this.onSpace(relay, space, async (connection) => {
      const { agreement } = await connection.request({ op: 'agreement.set', text });
      await connection.signAgreement(agreement);
      return agreement;
    });
  }

  async agreement(relay: string, space: string): Promise<{ agreement: AgreementInfo | null; signed: boolean }> {
    return this.spaceRequest(relay, space, { op: 'agreement.get' });
  }

  async signatures(relay: string, space: string): Promise<readonly AgreementSignatureInfo[]> {
    return (await this.spaceRequest(relay, space, { op: 'agreement.signatures' })).signatures;
  }

  /** The whole audit log, and the members (to show names beside keys). */
  async audit(relay: string, space: string): Promise<{ entries: AuditEntry[]; members: readonly Member[] }> {
    return this.onSpace(relay, space, async (connection) => ({
      entries: await fetchAudit(connection),
      members: (await connection.request({ op: 'members.list' })).members,
    }));
  }

  async members(relay: string, space: string): Promise<readonly Member[]> {
    return (await this.spaceRequest(relay, space, { op: 'members.list' })).members;
  }

  async grant(relay: string, space: string, publicKey: PublicKeyText, role: Role, name?: string): Promise<Member> {
    const request = name
      ? { op: 'members.grant' as const, publicKey, role, name }
      : { op: 'members.grant' as const, publicKey, role };
    return (await this.spaceRequest(relay, space, request)).member;
  }

  async revoke(relay: string, space: string, publicKey: PublicKeyText): Promise<boolean> {
    return (await this.spaceRequest(relay, space, { op: 'members.revoke', publicKey })).removed;
  }

  /** The spaces this identity is a member of on `relay`, with its role in each. */
  async mySpaces(relay: string): Promise<readonly MySpaceInfo[]> {
    return listMySpaces({ ...this.relayAddresses(relay), identity: await this.identity(), WebSocket: this.WebSocket });
  }

  async documents(relay: string, space: string): Promise<readonly { name: string; kind: string }[]> {
    // By real name, in a plain or a sealed space (whose names only members' keys open).
    return this.onSpace(relay, space, async (connection) =>
      (await listDocuments(connection, connection.options.identity)).flatMap((d) =>
        d.name === undefined ? [] : [{ ...d.info, name: d.name }],
      ),
    );
  }

  dispose(): void {
    this.stopWatching();
    this.requests.destroy();
    for (const request of this.asking) request.destroy();
    this.links.destroy();
    this.events.destroy();
  }
}
