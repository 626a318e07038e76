/**
 * Enclave inside one JupyterLab: the identity, the relays from the settings, the live document links,
 * and the space-level requests (members, grants) made on the person's behalf.
 */
import {
  EnclaveConnection,
  type Identity,
  type Member,
  type PublicKeyText,
  type Request,
  type RequestOp,
  type ResultOf,
  type Role,
  type WebSocketConstructor,
} from '@enclave/shared';
import type { IdentityManager } from './identity/identity-manager.js';
import { DEFAULT_SETTINGS, type EnclaveSettings, findRelay } from './settings.js';
import { LinkRegistry } from './session/link-registry.js';
import { publish, type LocalContent } from './session/publish.js';
import type { EnclaveLocation } from './drive/enclave-path.js';

export interface EnclaveServiceOptions {
  readonly identities: IdentityManager;
  /** Asks the person for a display name when an identity must be created. */
  readonly askName: (suggested: string) => Promise<string>;
  readonly WebSocket: WebSocketConstructor;
}

export class EnclaveService {
  readonly links = new LinkRegistry();
  private current: EnclaveSettings = DEFAULT_SETTINGS;

  constructor(private readonly options: EnclaveServiceOptions) {}

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
  }

  relayUrl(name: string): string {
    return findRelay(this.current, name).url;
  }

  /** The identity, created on first use (asking for a display name). */
  identity(): Promise<Identity> {
    return this.options.identities.ensure(() => this.options.askName(this.current.displayName));
  }

  /** The awareness `user` fields for this identity: the same fields the relay stamps for everyone. */
  async awarenessUser(identity: Identity): Promise<Record<string, string>> {
    const summary = (await this.options.identities.summary(identity))!;
    return {
      name: summary.name,
      display_name: summary.name,
      username: summary.fingerprint,
      initials: summary.initials,
      color: summary.color,
      publicKey: summary.publicKey,
      fingerprint: summary.fingerprint,
    };
  }

  /** Shares local content into `location` (a new document, or a confirmed replacement). */
  async share(
    location: Required<EnclaveLocation>,
    content: LocalContent,
    confirmReplace: () => Promise<boolean>,
  ): Promise<{ replaced: boolean }> {
    return publish({
      relayUrl: this.relayUrl(location.relay),
      room: { space: location.space, document: location.document },
      identity: await this.identity(),
      WebSocket: this.options.WebSocket,
      content,
      confirmReplace,
    });
  }

  /** One request on a space's control channel (members, grants, documents). */
  async spaceRequest<Op extends RequestOp>(
    relay: string,
    space: string,
    request: Extract<Request, { op: Op }>,
  ): Promise<ResultOf[Op]> {
    const connection = new EnclaveConnection({
      relayUrl: this.relayUrl(relay),
      room: { space },
      identity: await this.identity(),
      WebSocket: this.options.WebSocket,
      reconnect: false,
    }).connect();
    try {
      return await connection.request(request);
    } finally {
      connection.destroy();
    }
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

  async documents(relay: string, space: string): Promise<readonly { name: string; kind: string }[]> {
    return (await this.spaceRequest(relay, space, { op: 'documents.list' })).documents;
  }

  dispose(): void {
    this.links.destroy();
  }
}
