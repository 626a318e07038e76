/**
 * The `enclave:` file system: a shared document read as a file is the live document. Reading connects
 * (or reuses the open session) and returns the shared content as of now; the editor VS Code builds from
 * it is then bound to that synced model (see OpenedDocuments). Saving means "make sure the relay has
 * it": the bound editor's edits are already in the shared model, so a write waits until the relay has
 * stored them and never replaces the document with the bytes VS Code sends.
 */
import * as vscode from 'vscode';
import { type YFile, YNotebook } from '@jupyter/ydoc';
import type * as Y from 'yjs';
import { readDraft, readNotebook, serializeIpynb } from '@enclave/shared';
import type { RelayEntry } from '@enclave/shared';
import { describeAddress, type DocumentAddress } from '../session/address.js';
import type { SyncedDocument } from '../session/open-session.js';
import type { SessionRegistry } from '../session/session-registry.js';
import type { SharedSession } from '../session/shared-session.js';
import { addressOf, parseEnclaveUri } from './document-uri.js';
import { type Comparable, comparable } from './ended-content.js';

/** A document read but not yet bound to an editor. */
interface Unbound {
  readonly synced: Promise<SyncedDocument>;
  /** For a notebook: the shared cells, in order, of the content last read (what the editor is built from). */
  snapshot: readonly Y.Map<unknown>[];
  timer: ReturnType<typeof setTimeout> | undefined;
}

export interface SharedFileSystemOptions {
  readonly sessions: SessionRegistry;
  readonly relays: () => readonly RelayEntry[];
  /** Connects and syncs a document (identity, the space's agreement, progress and refusal help included). */
  readonly sync: (address: DocumentAddress) => Promise<SyncedDocument>;
}

/** How long a document read but never shown keeps its connection (VS Code may read a file it never opens). */
const UNBOUND_LIFETIME_MS = 60_000;
/** How long a save waits for the relay's acknowledgement before it fails and says so. */
const SAVE_TIMEOUT_MS = 20_000;

function key(address: DocumentAddress): string {
  return JSON.stringify([address.relay, address.space, address.document]);
}

function contentOf(synced: { readonly model: YNotebook | YFile }): {
  bytes: Uint8Array;
  cells: readonly Y.Map<unknown>[];
} {
  const model = synced.model;
  if (model instanceof YNotebook) {
    return {
      bytes: new TextEncoder().encode(serializeIpynb(readNotebook(model))),
      cells: model.cells.map((cell) => cell.ymodel),
    };
  }
  return { bytes: new TextEncoder().encode(readDraft(model)), cells: [] };
}

export class SharedFileSystem implements vscode.FileSystemProvider, vscode.Disposable {
  private readonly unbound = new Map<string, Unbound>();
  /** Modification times handed out: stable until our own write, so VS Code never sees a "newer" file. */
  private readonly mtimes = new Map<string, number>();
  /** What each ended session's document held, while an editor of it may still be open and save. */
  private readonly ended = new Map<string, { kind: 'notebook' | 'draft'; content: Comparable | undefined }>();
  private readonly changed = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
  readonly onDidChangeFile = this.changed.event;

  constructor(private readonly options: SharedFileSystemOptions) {}

  watch(): vscode.Disposable {
    // Remote changes reach a bound editor through its binding, not as file changes (that would reload it).
    return new vscode.Disposable(() => undefined);
  }

  stat(uri: vscode.Uri): vscode.FileStat {
    const parsed = parseEnclaveUri(uri, this.options.relays());
    if (parsed.kind !== 'document') return { type: vscode.FileType.Directory, ctime: 0, mtime: 0, size: 0 };
    const id = key(parsed.address);
    let mtime = this.mtimes.get(id);
    if (mtime === undefined) {
      mtime = Date.now();
      this.mtimes.set(id, mtime);
    }
    return { type: vscode.FileType.File, ctime: mtime, mtime, size: 0 };
  }

  readDirectory(): [string, vscode.FileType][] {
    return [];
  }

  /** The live document's content; connects if no session has it open. */
  async readFile(uri: vscode.Uri): Promise<Uint8Array> {
    const address = addressOf(uri, this.options.relays());
    const session = this.sessionFor(address);
    if (session) return contentOf(session).bytes;
    const pending = this.pendingFor(address);
    const content = contentOf(await pending.synced);
    pending.snapshot = content.cells;
    return content.bytes;
  }

  /** Save: waits until the relay has stored every edit of the bound editor. */
  async writeFile(uri: vscode.Uri, content: Uint8Array): Promise<void> {
    const address = addressOf(uri, this.options.relays());
    const session = this.sessionFor(address);
    if (!session) {
      // A save after the session ended (an auto save, a tab closed a moment ago) with nothing unsaved is
      // not a failure; one that holds edits the session never had is, and says what to do.
      const ended = this.ended.get(key(address));
      if (ended?.content !== undefined && comparable(ended.kind, content) === ended.content) return;
      throw vscode.FileSystemError.Unavailable(
        `${describeAddress(address)} is not open in Enclave any more: reopen it, or use “Enclave: Save a Local Copy As…”`,
      );
    }
    // While reconnecting, the save waits (bounded): VS Code for the web auto-saves, and a relay restart
    // should not pop up a failed save when it is over in a second or two.
    await session.whenIdle();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            vscode.FileSystemError.Unavailable(
              `the relay did not confirm the save within ${SAVE_TIMEOUT_MS / 1000} s (${session.status}): your edits are kept and sent when the connection returns`,
            ),
          ),
        SAVE_TIMEOUT_MS,
      );
    });
    try {
      await Promise.race([session.sync.flush(), timeout]);
    } finally {
      clearTimeout(timer);
    }
    this.mtimes.set(key(address), Date.now());
  }

  /** Remembers what `session`'s document holds as it ends (call while its model is still alive). */
  sessionEnded(session: SharedSession, editor: { readonly isClosed: boolean }): void {
    if (editor.isClosed) return; // no editor left to save it
    // Ended offline, the relay may lack the last edits: a later save must still say so.
    if (session.status !== 'connected') return;
    this.ended.set(key(session.address), {
      kind: session.kind,
      content: comparable(session.kind, contentOf(session).bytes),
    });
  }

  /** Forgets an ended session's content once VS Code closed the last editor that could save it. */
  editorClosed(uri: vscode.Uri): void {
    const parsed = parseEnclaveUri(uri, this.options.relays());
    if (parsed.kind === 'document') this.ended.delete(key(parsed.address));
  }

  /** Connects and syncs `address` ahead of opening its file (the open's read then finds it ready). */
  async prepare(address: DocumentAddress): Promise<'notebook' | 'draft'> {
    const session = this.sessionFor(address);
    if (session) return session.kind;
    const { model } = await this.pendingFor(address).synced;
    return model instanceof YNotebook ? 'notebook' : 'draft';
  }

  /**
   * The synced model an editor of `address` was just built from, handed over once for binding, and the
   * snapshot of shared cells the editor shows.
   */
  async takeUnbound(
    address: DocumentAddress,
  ): Promise<{ synced: SyncedDocument; snapshot: readonly Y.Map<unknown>[] } | undefined> {
    const id = key(address);
    const pending = this.unbound.get(id);
    if (!pending) return undefined;
    this.unbound.delete(id);
    clearTimeout(pending.timer);
    return { synced: await pending.synced, snapshot: pending.snapshot };
  }

  createDirectory(uri: vscode.Uri): never {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  delete(uri: vscode.Uri): never {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  rename(uri: vscode.Uri): never {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  dispose(): void {
    for (const [id, pending] of this.unbound) this.release(id, pending);
    this.changed.dispose();
  }

  private sessionFor(address: DocumentAddress): SharedSession | undefined {
    const id = key(address);
    return this.options.sessions.all().find((s) => s.isFile && key(s.address) === id);
  }

  private pendingFor(address: DocumentAddress): Unbound {
    const id = key(address);
    let pending = this.unbound.get(id);
    if (!pending) {
      this.ended.delete(id); // a new session takes over the document
      const entry: Unbound = { synced: this.options.sync(address), snapshot: [], timer: undefined };
      pending = entry;
      this.unbound.set(id, entry);
      entry.synced.then(
        () => (entry.timer = setTimeout(() => this.release(id, entry), UNBOUND_LIFETIME_MS)),
        () => this.unbound.get(id) === entry && this.unbound.delete(id),
      );
    }
    return pending;
  }

  private release(id: string, pending: Unbound): void {
    if (this.unbound.get(id) === pending) this.unbound.delete(id);
    clearTimeout(pending.timer);
    pending.synced.then(
      (synced) => {
        synced.close();
        synced.model.dispose();
      },
      () => undefined,
    );
  }
}
