/**
 * One shared document open in VS Code: its authenticated connection, the Yjs sync over it, and the role
 * the relay gave us. Subclasses bind the shared model to an editor (notebook or text). Disposing ends
 * the session (leave) without touching the editor's content.
 */
import * as vscode from 'vscode';
import type {
  BindableModel,
  ConnectionStatus,
  EnclaveConnection,
  LiveDocument,
  NoticeMessage,
  OpenedDocument,
  Role,
} from '@enclave/shared';
import { canWrite } from '@enclave/shared';
import type { YFile, YNotebook } from '@jupyter/ydoc';
import type { Awareness } from 'y-protocols/awareness';
import { isEnclaveUri } from '../files/document-uri.js';
import type { OwnEditsUndo } from '../undo/own-edits-undo.js';
import type { DocumentAddress } from './address.js';
import { participantsOf, type Presence } from './participants.js';

export type SessionKind = 'notebook' | 'draft';

export abstract class SharedSession implements vscode.Disposable {
  abstract readonly kind: SessionKind;
  abstract readonly model: YNotebook | YFile;
  /** Undo/redo of this person's own edits only (remote edits stay). */
  abstract readonly ownEdits: OwnEditsUndo;
  /** The origin of the transactions this editor's own edits make (anything else came from others). */
  abstract readonly localOrigin: object;
  /** The document VS Code shows this session in. */
  abstract readonly editorUri: vscode.Uri;
  private readonly changed = new vscode.EventEmitter<void>();
  /** Connection state, role or participants changed. */
  readonly onDidChange = this.changed.event;
  private disposed = false;
  private readonly cleanups: (() => void)[] = [];

  readonly connection: EnclaveConnection;
  /** The plain or sealed sync (one interface); `sealed` is only for telling the person. */
  readonly sync: LiveDocument;
  private readonly opened: OpenedDocument<BindableModel>;

  constructor(
    readonly address: DocumentAddress,
    opened: OpenedDocument<BindableModel>,
  ) {
    this.opened = opened;
    const connection = (this.connection = opened.connection);
    const sync = (this.sync = opened.session);
    const onStatus = (): void => {
      // Denied (revoked by a lead, or refused on reconnect): nothing here is shared any more, so the editor
      // keeps a stale copy that must not look live or take edits. Sticky: the relay will not let us back.
      if (connection.status === 'denied' && !this.wasRemoved) {
        this.wasRemoved = true;
        this.setReadOnly(true);
      }
      this.changed.fire();
    };
    const onRole = (role: Role): void => {
      this.applyRole(role);
      this.changed.fire();
    };
    const onNotice = (notice: NoticeMessage): void => {
      if (notice.code === 'epoch-changed') return; // the sealed session fetches the new key itself
      void vscode.window.showWarningMessage(`Enclave (${address.space}/${address.document}): ${notice.message}`);
    };
    const onAwareness = (): void => this.changed.fire();
    // A sealed space's problems, said once each in plain words (a tampering relay could otherwise flood).
    const said = new Set<string>();
    const sayOnce = (kind: string, text: string): void => {
      if (said.has(kind)) return;
      said.add(kind);
      void vscode.window.showWarningMessage(`Enclave (${address.space}/${address.document}): ${text}`);
    };
    const onTampered = (message: string): void =>
      sayOnce(
        'tampered',
        `a message failed verification and was not applied: the relay or the network altered, withheld or replayed it (${message}). Your document is unchanged by it.`,
      );
    const onWaitingForKey = (message: string): void =>
      sayOnce('waiting-for-key', `${message}. Your edits are kept and sent once you have the key.`);
    connection.on('status', onStatus);
    sync.on('tampered', onTampered);
    sync.on('waiting-for-key', onWaitingForKey);
    connection.on('role-changed', onRole);
    connection.on('notice', onNotice);
    sync.awareness.on('change', onAwareness);
    this.cleanups.push(
      () => connection.off('status', onStatus),
      () => connection.off('role-changed', onRole),
      () => connection.off('notice', onNotice),
      () => sync.awareness.off('change', onAwareness),
      () => sync.off('tampered', onTampered),
      () => sync.off('waiting-for-key', onWaitingForKey),
    );
  }

  /** Ties `disposable` to this session: it is disposed when the session ends (leave, close, revoke). */
  attach(disposable: vscode.Disposable): void {
    if (this.disposed) disposable.dispose();
    else this.cleanups.push(() => disposable.dispose());
  }

  /** True once the session has ended (left, closed or revoked): nothing may act for it any more. */
  get ended(): boolean {
    return this.disposed;
  }

  private readonly backgroundWork: (() => Promise<void>)[] = [];

  /** Work the session sets off by itself (a save after peers' edits), for whenSettled to wait for. */
  addBackgroundWork(idle: () => Promise<void>): void {
    this.backgroundWork.push(idle);
  }

  /** Resolves once the editor shows everything received and the work that set off has finished. */
  async whenSettled(): Promise<void> {
    await this.whenIdle();
    for (const idle of this.backgroundWork) await idle();
  }

  /** Whether the editor is the shared document's own `enclave:` file (not a local file shared into it). */
  get isFile(): boolean {
    return isEnclaveUri(this.editorUri);
  }

  get awareness(): Awareness {
    return this.sync.awareness;
  }

  /** Whether the space is sealed (the relay holds only ciphertext). */
  get sealed(): boolean {
    return this.sync.sealed;
  }

  get status(): ConnectionStatus {
    return this.connection.status;
  }

  /** The role from the latest welcome (kept while disconnected). */
  get role(): Role | null {
    return this.lastRole;
  }

  private lastRole: Role | null = null;

  /** True once the relay denied this session while open (revoked or refused): a stale, read-only copy. */
  get removed(): boolean {
    return this.wasRemoved;
  }

  private wasRemoved = false;

  /** Everyone else in the document. */
  others(): Presence[] {
    return participantsOf(this.awareness).filter((p) => p.clientId !== this.awareness.clientID);
  }

  /** Starts following the relay's role for us; call once the editor is bound. */
  protected followRole(): void {
    const apply = (): void => {
      const role = this.connection.welcome?.role ?? this.lastRole;
      if (role) this.applyRole(role);
      this.changed.fire();
    };
    this.connection.on('welcome', apply);
    this.cleanups.push(() => this.connection.off('welcome', apply));
    apply();
  }

  private applyRole(role: Role): void {
    this.lastRole = role;
    this.setReadOnly(this.removed || !canWrite(role));
  }

  /** Viewers: local edits are undone and a message says why. */
  protected abstract setReadOnly(readOnly: boolean): void;

  /** Whether this session edits `document` (a draft, or a cell of the bound notebook). */
  abstract ownsTextDocument(document: vscode.TextDocument): boolean;
  abstract onTextDocumentChanged(event: vscode.TextDocumentChangeEvent): void;

  /** Resolves once the editor shows everything received so far. */
  abstract whenIdle(): Promise<void>;

  protected abstract disposeBinding(): void;

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    this.disposeBinding();
    this.opened.close();
    this.changed.fire();
    this.changed.dispose();
  }
}
