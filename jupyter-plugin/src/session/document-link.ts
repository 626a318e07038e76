/**
 * Binds one shared model (JupyterLab's YNotebook or YFile: its `ydoc` and `awareness`) to one document
 * room on a relay. The model must be empty when the link starts: the room's content then arrives as the
 * model's only content (the seeding rule; a non-empty model would be merged with the room and duplicate
 * cells). The link follows the member's role, so the UI can make a viewer's document read-only.
 */
import {
  type AgreementInfo,
  CloseCode,
  type CloseInfo,
  type ConnectionStatus,
  type DocumentKind,
  DocumentSession,
  EnclaveConnection,
  type Identity,
  type NoticeMessage,
  type Role,
  type RoomAddress,
  roomName,
  type WebSocketConstructor,
} from '@enclave/shared';
import { ObservableV2 } from 'lib0/observable';
import type { Awareness } from 'y-protocols/awareness';
import type * as Y from 'yjs';
import { AgreementDeclinedError } from '@enclave/shared';

/** The part of `@jupyter/ydoc`'s shared documents that the link uses. */
export interface BindableModel {
  readonly ydoc: Y.Doc;
  readonly awareness: Awareness;
}

export interface DocumentLinkOptions {
  readonly relayUrl: string;
  readonly room: RoomAddress;
  readonly identity: Identity;
  readonly model: BindableModel;
  readonly WebSocket: WebSocketConstructor;
  /** Create the document with this kind if the room has none (editors and leads). */
  readonly create?: DocumentKind;
  /** Must the model be empty? (default true: see the seeding rule above). */
  readonly requireEmpty?: boolean;
  /**
   * Asked when the space has an agreement this identity has not signed: resolve true to sign it (content
   * follows), false to decline (the link closes; nothing was received). Without it the link waits unsigned.
   */
  readonly agreement?: (agreement: AgreementInfo) => Promise<boolean>;
}

export interface DocumentLinkEvents {
  status: (status: ConnectionStatus) => void;
  role: (role: Role | null) => void;
  notice: (notice: NoticeMessage) => void;
  closed: (info: CloseInfo) => void;
  /** The space's agreement must be signed before content flows (shown to the person if `agreement` is set). */
  agreement: (agreement: AgreementInfo) => void;
}

export class DocumentLink extends ObservableV2<DocumentLinkEvents> {
  readonly connection: EnclaveConnection;
  readonly session: DocumentSession;
  readonly room: RoomAddress;
  private currentRole: Role | null = null;
  private declined: AgreementDeclinedError | undefined;

  constructor(private readonly options: DocumentLinkOptions) {
    super();
    if (options.requireEmpty !== false && !isEmptyDoc(options.model.ydoc)) {
      throw new Error(
        'refusing to bind a document that already has content to a shared room: open shared documents into an empty model',
      );
    }
    this.room = options.room;
    this.connection = new EnclaveConnection({
      relayUrl: options.relayUrl,
      room: options.room,
      identity: options.identity,
      WebSocket: options.WebSocket,
    });
    this.session = new DocumentSession({
      connection: this.connection,
      doc: options.model.ydoc,
      awareness: options.model.awareness,
      ...(options.create ? { create: options.create } : {}),
    });
    this.connection.on('status', this.onStatus);
    this.connection.on('welcome', this.onWelcome);
    this.connection.on('role-changed', this.onRole);
    this.connection.on('notice', this.onNotice);
    this.connection.on('closed', this.onClosed);
    this.session.on('agreement', this.onAgreement);
    this.connection.connect();
  }

  get name(): string {
    return roomName(this.room);
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

  /** Resolves once the model holds the room's content; rejects when refused, missing or closed for good. */
  whenSynced(): Promise<void> {
    if (this.declined) return Promise.reject(this.declined);
    return this.session.whenSynced().catch((error: unknown) => {
      throw this.declined ?? error;
    });
  }

  /** True when the person declined the space's agreement (the link is closed). */
  get agreementDeclined(): boolean {
    return this.declined !== undefined;
  }

  /** Resolves once the relay has durably stored every local change so far. */
  flush(): Promise<void> {
    return this.session.flush();
  }

  override destroy(): void {
    this.connection.off('status', this.onStatus);
    this.connection.off('welcome', this.onWelcome);
    this.connection.off('role-changed', this.onRole);
    this.connection.off('notice', this.onNotice);
    this.connection.off('closed', this.onClosed);
    this.session.off('agreement', this.onAgreement);
    this.session.destroy();
    this.connection.destroy();
    super.destroy();
  }

  private readonly onStatus = (status: ConnectionStatus): void => this.emit('status', [status]);
  private readonly onWelcome = (welcome: { role: Role | null }): void => this.setRole(welcome.role);
  private readonly onRole = (role: Role): void => this.setRole(role);
  private readonly onNotice = (notice: NoticeMessage): void => this.emit('notice', [notice]);
  private readonly onClosed = (info: CloseInfo): void => {
    this.emit('closed', [info]);
    if (this.removed) this.emit('role', [this.currentRole]); // read-only from now on: the UI asks again
  };

  private readonly onAgreement = (agreement: AgreementInfo): void => {
    this.emit('agreement', [agreement]);
    const ask = this.options.agreement;
    if (!ask) return;
    void (async () => {
      const accepted = await ask(agreement).catch(() => false);
      if (this.connection.status !== 'connected') return; // closed or reconnecting: a new welcome asks again
      if (!accepted) {
        this.declined = new AgreementDeclinedError(this.room.space);
        this.connection.close();
        return;
      }
      try {
        await this.connection.signAgreement(agreement);
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
