/**
 * Binds one shared model (JupyterLab's YNotebook or YFile: its `ydoc` and `awareness`) to one document of a
 * space, by its real name, through shared's openDocument: the space channel is asked first whether the space
 * is sealed, then a plain or sealed session runs (one interface, LiveDocument). The model must be empty when
 * the link starts: the document's content then arrives as the model's only content (the seeding rule; a
 * non-empty model would be merged with the room and duplicate cells). The link follows the member's role, so
 * the UI can make a viewer's document read-only, and says when the space is sealed.
 */
import {
  AgreementDeclinedError,
  type AgreementInfo,
  type BindableModel,
  CloseCode,
  type CloseInfo,
  type ConnectionStatus,
  type DocumentInfo,
  type DocumentKind,
  EnclaveConnection,
  type Identity,
  type LiveDocument,
  type NoticeMessage,
  openDocument,
  type OpenedDocument,
  type Role,
  type RoomAddress,
  roomName,
  type WebSocketConstructor,
  type WelcomeMessage,
} from '@enclave/shared';
import { ObservableV2 } from 'lib0/observable';
import { browserChainPins } from './browser-chain-pins.js';
import type { Awareness } from 'y-protocols/awareness';
import type * as Y from 'yjs';

export type { BindableModel } from '@enclave/shared';

export interface DocumentLinkOptions {
  readonly relayUrl: string;
  /** The same relay service's other addresses, tried when `relayUrl` fails or dies. */
  readonly alternateUrls?: readonly string[];
  /** The space and the document's real name (in a sealed space the relay only ever sees an opaque id). */
  readonly room: RoomAddress;
  readonly identity: Identity;
  readonly model: BindableModel;
  readonly WebSocket: WebSocketConstructor;
  /** Create the document with this kind if the space has none of that name (editors and leads). */
  readonly create?: DocumentKind;
  /** Must the model be empty? (default true: see the seeding rule above). */
  readonly requireEmpty?: boolean;
  /**
   * Asked when the space has an agreement this identity has not signed: resolve true to sign it (content
   * follows), false to decline (the link closes; nothing was received). Without it the link waits unsigned.
   */
  readonly agreement?: (agreement: AgreementInfo) => Promise<boolean>;
  /** Sealed spaces: how long to wait for a lead to share the key (default 10 min). */
  readonly keyWaitMs?: number;
}

export interface DocumentLinkEvents {
  status: (status: ConnectionStatus) => void;
  role: (role: Role | null) => void;
  notice: (notice: NoticeMessage) => void;
  closed: (info: CloseInfo) => void;
  /** The space's agreement must be signed before content flows (shown to the person if `agreement` is set). */
  agreement: (agreement: AgreementInfo) => void;
  /** Sealed spaces: a message failed verification and was not applied (said once per link). */
  tampered: (message: string) => void;
  /** Sealed spaces: no lead has shared the key with this member yet (said once per link). */
  'waiting-for-key': (message: string) => void;
}

export class DocumentLink extends ObservableV2<DocumentLinkEvents> {
  readonly room: RoomAddress;
  private current: EnclaveConnection;
  private opened: OpenedDocument<BindableModel> | undefined;
  private readonly opening: Promise<OpenedDocument<BindableModel>>;
  private currentRole: Role | null = null;
  private declined: AgreementDeclinedError | undefined;
  private destroyed = false;
  private readonly said = new Set<string>();
  /** The sealed-space problem the toolbar shows, if any: tampering (kept), else a wait for the key. */
  problem: string | undefined;
  private problemKind: 'tampered' | 'waiting-for-key' | undefined;

  constructor(private readonly options: DocumentLinkOptions) {
    super();
    if (options.requireEmpty !== false && !isEmptyDoc(options.model.ydoc)) {
      throw new Error(
        'refusing to bind a document that already has content to a shared room: open shared documents into an empty model',
      );
    }
    this.room = options.room;
    if (options.room.document === undefined) throw new Error('a document link needs a document name');
    // Until openDocument connects, `connection` is an idle placeholder (status 'idle').
    this.current = new EnclaveConnection({
      relayUrl: options.relayUrl,
      alternateUrls: options.alternateUrls ?? [],
      room: { space: options.room.space },
      identity: options.identity,
      WebSocket: options.WebSocket,
    });
    this.opening = openDocument({
      space: options.room.space,
      name: options.room.document,
      identity: options.identity,
      connect: this.connect,
      admit: this.admit,
      ...(options.create ? { create: options.create } : {}),
      model: () => options.model,
      keyWaitMs: options.keyWaitMs ?? 10 * 60_000,
      onWaitingForKey: (message) => this.sayOnce('waiting-for-key', message),
    }).then((opened) => {
      if (this.destroyed) {
        opened.close();
        return opened;
      }
      this.opened = opened;
      // Opened means the key was there: the wait, if any, is over (and may be said again if it comes back).
      if (this.problemKind === 'waiting-for-key') {
        this.problem = this.problemKind = undefined;
        this.said.delete('waiting-for-key');
      }
      opened.session.on('agreement', this.onAgreement);
      opened.session.on('tampered', this.onTampered);
      opened.session.on('waiting-for-key', this.onWaitingForKey);
      this.emit('status', [opened.connection.status]);
      return opened;
    });
    this.opening.catch(() => undefined); // reported by whenSynced
  }

  get name(): string {
    return roomName(this.room);
  }

  /** The connection in use: the space channel while opening, then the document's. */
  get connection(): EnclaveConnection {
    return this.current;
  }

  /** The running session once opened. */
  get session(): LiveDocument | undefined {
    return this.opened?.session;
  }

  get awareness(): Awareness {
    return this.options.model.awareness;
  }

  get doc(): Y.Doc {
    return this.options.model.ydoc;
  }

  get document(): DocumentInfo | undefined {
    return this.opened?.session.document;
  }

  /** Whether the space is sealed (undefined until known). */
  get sealed(): boolean | undefined {
    return this.opened?.sealed;
  }

  /** The member's role once admitted (null for a relay admin who is not a member). */
  get role(): Role | null {
    return this.currentRole;
  }

  get readOnly(): boolean {
    return this.currentRole === 'viewer' || this.removed;
  }

  /** True once a lead removed this member while it was open (4409): nothing here is shared any more. */
  get removed(): boolean {
    return this.connection.lastClose?.code === CloseCode.AccessRevoked;
  }

  /** Resolves once the model holds the document's content; rejects when refused, missing or closed for good. */
  async whenSynced(): Promise<void> {
    try {
      const opened = await this.opening;
      await opened.session.whenSynced();
    } catch (error) {
      throw this.declined ?? error;
    }
  }

  /** True when the person declined the space's agreement (the link is closed). */
  get agreementDeclined(): boolean {
    return this.declined !== undefined;
  }

  /** Resolves once the relay has durably stored every local change so far. */
  async flush(): Promise<void> {
    await (await this.opening).session.flush();
  }

  override destroy(): void {
    this.destroyed = true;
    this.follow(undefined);
    const opened = this.opened;
    if (opened) {
      opened.session.off('agreement', this.onAgreement);
      opened.session.off('tampered', this.onTampered);
      opened.session.off('waiting-for-key', this.onWaitingForKey);
      opened.close();
    }
    this.current.destroy();
    super.destroy();
  }

  /** openDocument's connector: the space channel, then the document's room; the link follows the latest. */
  private readonly connect = (room: RoomAddress): EnclaveConnection => {
    const connection = new EnclaveConnection({
      relayUrl: this.options.relayUrl,
      alternateUrls: this.options.alternateUrls ?? [],
      room,
      identity: this.options.identity,
      WebSocket: this.options.WebSocket,
      chainPins: browserChainPins(),
      // The space channel is asked once; only the document's connection reconnects.
      ...(room.document === undefined ? { reconnect: false } : {}),
    });
    if (this.destroyed) return connection.connect();
    this.follow(connection);
    return connection.connect();
  };

  /** Past the agreement: asks the person (options.agreement), or waits for a welcome without one. */
  private readonly admit = async (connection: EnclaveConnection): Promise<WelcomeMessage> => {
    const welcome = await connection.whenWelcomed();
    if (!welcome.agreement) return welcome;
    this.emit('agreement', [welcome.agreement]);
    const ask = this.options.agreement;
    if (ask) {
      if (!(await ask(welcome.agreement).catch(() => false))) {
        this.declined = new AgreementDeclinedError(this.room.space);
        connection.close();
        throw this.declined;
      }
      await connection.signAgreement(welcome.agreement);
      return connection.whenWelcomed();
    }
    return new Promise((resolve) => {
      const onWelcome = (next: WelcomeMessage): void => {
        if (next.agreement) return;
        connection.off('welcome', onWelcome);
        resolve(next);
      };
      connection.on('welcome', onWelcome);
    });
  };

  private follow(connection: EnclaveConnection | undefined): void {
    const previous = this.current;
    previous.off('status', this.onStatus);
    previous.off('welcome', this.onWelcome);
    previous.off('role-changed', this.onRole);
    previous.off('notice', this.onNotice);
    previous.off('closed', this.onClosed);
    if (!connection) return;
    this.current = connection;
    connection.on('status', this.onStatus);
    connection.on('welcome', this.onWelcome);
    connection.on('role-changed', this.onRole);
    connection.on('notice', this.onNotice);
    connection.on('closed', this.onClosed);
  }

  private readonly onStatus = (status: ConnectionStatus): void => {
    // The space channel closing after it answered is not the document's state.
    if (status === 'closed' && this.current.options.room.document === undefined && !this.declined) return;
    this.emit('status', [status]);
  };
  private readonly onWelcome = (welcome: { role: Role | null }): void => this.setRole(welcome.role);
  private readonly onRole = (role: Role): void => this.setRole(role);
  private readonly onNotice = (notice: NoticeMessage): void => {
    if (notice.code !== 'epoch-changed') this.emit('notice', [notice]);
  };
  private readonly onClosed = (info: CloseInfo): void => {
    if (this.current.options.room.document === undefined) return;
    this.emit('closed', [info]);
    if (this.removed) this.emit('role', [this.currentRole]); // read-only from now on: the UI asks again
  };
  private readonly onTampered = (message: string): void => this.sayOnce('tampered', message);
  private readonly onWaitingForKey = (message: string): void => this.sayOnce('waiting-for-key', message);

  private sayOnce(kind: 'tampered' | 'waiting-for-key', message: string): void {
    if (this.said.has(kind)) return;
    this.said.add(kind);
    // Tampering outranks a wait for the key: it is what the person most needs to know, and it stays.
    if (kind === 'tampered') {
      this.problem = `A message failed verification and was not applied (the relay or network altered, withheld or replayed it): ${message}`;
      this.problemKind = kind;
    } else if (this.problemKind === undefined) {
      this.problem = `${message}. Your edits are kept and sent once you have the key.`;
      this.problemKind = kind;
    }
    this.emit(kind, [message]);
    this.emit('status', [this.current.status]);
  }

  private readonly onAgreement = (agreement: AgreementInfo): void => {
    this.emit('agreement', [agreement]);
    const ask = this.options.agreement;
    const connection = this.opened?.connection;
    if (!ask || !connection) return;
    void (async () => {
      const accepted = await ask(agreement).catch(() => false);
      if (connection.status !== 'connected') return; // closed or reconnecting: a new welcome asks again
      if (!accepted) {
        this.declined = new AgreementDeclinedError(this.room.space);
        connection.close();
        return;
      }
      try {
        await connection.signAgreement(agreement);
      } catch (error) {
        this.emit('notice', [{ type: 'notice', code: 'agreement-required', message: (error as Error).message }]);
      }
    })();
  };

  private setRole(role: Role | null): void {
    if (role === this.currentRole) return;
    this.currentRole = role;
    this.emit('role', [role]);
  }
}

/** True when no Yjs operation was ever applied to the doc. */
export function isEmptyDoc(doc: Y.Doc): boolean {
  return doc.store.clients.size === 0;
}
