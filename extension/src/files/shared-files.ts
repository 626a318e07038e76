/** The `enclave:` file system and the binding of the editors opened on it, registered together. */
import * as vscode from 'vscode';
import { readSettings } from '../config/settings.js';
import type { Services } from '../services.js';
import type { DocumentAddress } from '../session/address.js';
import type { SyncedDocument } from '../session/open-session.js';
import type { SharedSession } from '../session/shared-session.js';
import { ENCLAVE_SCHEME } from './document-uri.js';
import { FileBinder } from './file-binder.js';
import { SharedFileSystem } from './shared-file-system.js';

export class SharedFiles implements vscode.Disposable {
  private readonly fileSystem: SharedFileSystem;
  private readonly binder: FileBinder;
  private readonly registration: vscode.Disposable;

  constructor(
    services: Services,
    sync: (address: DocumentAddress) => Promise<SyncedDocument>,
    onBound: (session: SharedSession) => void,
  ) {
    this.fileSystem = new SharedFileSystem({ sessions: services.sessions, relays: () => readSettings().relays, sync });
    this.registration = vscode.workspace.registerFileSystemProvider(ENCLAVE_SCHEME, this.fileSystem, {
      isCaseSensitive: true,
    });
    this.binder = new FileBinder(services, this.fileSystem, onBound);
  }

  /** Connects and syncs `address`; resolves with its kind, which says which editor to open. */
  prepare(address: DocumentAddress): Promise<'notebook' | 'draft'> {
    return this.fileSystem.prepare(address);
  }

  /** The session of an `enclave:` editor, bound now if it is not yet. */
  bind(editor: vscode.NotebookDocument | vscode.TextDocument): Promise<SharedSession | undefined> {
    return this.binder.bind(editor);
  }

  dispose(): void {
    this.binder.dispose();
    this.registration.dispose();
    this.fileSystem.dispose();
  }
}
