/**
 * A non-member's request to join a space: the space-channel connection carries the request and stays open
 * while the relay holds it ('waiting'); if a lead approves, the relay admits this same connection (a
 * welcome), so the person gets in without reconnecting; if a lead denies, the relay closes it and nothing
 * about the space was ever sent.
 */
import {
  EnclaveConnection,
  type Identity,
  type Role,
  type WebSocketConstructor,
  type WelcomeMessage,
} from '@enclave/shared';
import { ObservableV2 } from 'lib0/observable';
import { type AgreementPrompt, passAgreement } from '@enclave/shared';

export type AccessRequestState =
  | { readonly kind: 'sending' }
  | { readonly kind: 'waiting'; readonly requestId: string }
  | { readonly kind: 'approved'; readonly role: Role | null; readonly documents: readonly DocumentEntry[] }
  | { readonly kind: 'refused'; readonly reason: string };

export interface DocumentEntry {
  readonly name: string;
  readonly kind: string;
}

export interface AccessRequestOptions {
  readonly relayUrl: string;
  /** The same relay service's other addresses, tried when `relayUrl` fails or dies. */
  readonly alternateUrls?: readonly string[];
  /** The relay's name in the settings. */
  readonly relay: string;
  readonly space: string;
  readonly identity: Identity;
  /** The name shown to leads (a claim: leads also see the key's fingerprint). */
  readonly name: string;
  readonly message: string;
  /** Set when asked from the space's listing in the relay's directory (leads see it). */
  readonly via?: 'directory';
  readonly WebSocket: WebSocketConstructor;
  readonly agreement: AgreementPrompt;
}

export interface AccessRequestEvents {
  state: (state: AccessRequestState) => void;
}

export class AccessRequest extends ObservableV2<AccessRequestEvents> {
  readonly connection: EnclaveConnection;
  private current: AccessRequestState = { kind: 'sending' };
  private readonly settled: Promise<AccessRequestState>;

  constructor(readonly options: AccessRequestOptions) {
    super();
    this.connection = new EnclaveConnection({
      relayUrl: options.relayUrl,
      alternateUrls: options.alternateUrls ?? [],
      room: { space: options.space },
      identity: options.identity,
      WebSocket: options.WebSocket,
      reconnect: false,
      accessRequest: {
        name: options.name,
        message: options.message,
        ...(options.via ? { via: options.via } : {}),
      },
    });
    this.connection.on('access-pending', this.onPending);
    this.settled = this.run();
    this.connection.connect();
  }

  get state(): AccessRequestState {
    return this.current;
  }

  get space(): string {
    return this.options.space;
  }

  /** Resolves once a lead answered (approved or refused) or the connection ended. */
  whenSettled(): Promise<AccessRequestState> {
    return this.settled;
  }

  override destroy(): void {
    this.connection.off('access-pending', this.onPending);
    this.connection.destroy();
    super.destroy();
  }

  private readonly onPending = (requestId: string): void => {
    this.setState({ kind: 'waiting', requestId });
  };

  private async run(): Promise<AccessRequestState> {
    let welcome: WelcomeMessage;
    try {
      welcome = await passAgreement(
        this.connection,
        { relay: this.options.relay, space: this.options.space },
        this.options.agreement,
      );
      const { documents } = await this.connection.request({ op: 'documents.list' });
      return this.setState({
        kind: 'approved',
        role: welcome.role,
        documents: documents.map((d) => ({ name: d.name, kind: d.kind })),
      });
    } catch (error) {
      return this.setState({ kind: 'refused', reason: (error as Error).message });
    }
  }

  private setState(state: AccessRequestState): AccessRequestState {
    this.current = state;
    this.emit('state', [state]);
    return state;
  }
}
