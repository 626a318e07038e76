/**
 * A JupyterLab contents drive named `Enclave` whose files are documents on relays. Opening
 * `Enclave:relay/space/doc.ipynb` gives JupyterLab's normal notebook panel (or file editor for a draft):
 * the drive's shared-model factory creates an empty YNotebook/YFile and binds it to the room before
 * anything is loaded, and `get` answers with no content once the model is in sync, so the document
 * context never overwrites the room's content with a file's (the seeding rule).
 * "Save" asks the relay to confirm that everything is stored durably.
 */
import type { AgreementInfo, Identity, RelayAddresses, StampedUser, WebSocketConstructor } from '@enclave/shared';
import { ConnectionClosedError, documentKindForFileName } from '@enclave/shared';
import { YFile, YNotebook, type YDocument, type DocumentChange } from '@jupyter/ydoc';
import { type Contents, type ServerConnection } from '@jupyterlab/services';
import { type ISignal, Signal } from '@lumino/signaling';
import type { AgreementPrompt } from '@enclave/shared';
import { DocumentLink } from '../session/document-link.js';
import type { LinkRegistry } from '../session/link-registry.js';
import { DRIVE_NAME, drivePath, type EnclaveLocation, parseLocation, roomOf } from './enclave-path.js';

export interface EnclaveDriveOptions {
  readonly serverSettings: ServerConnection.ISettings;
  readonly links: LinkRegistry;
  /** The relay URL of a relay name from the settings; throws for an unknown one. */
  readonly relayAddresses: (relay: string) => RelayAddresses;
  /** The identity to connect with; may ask the person to create one. */
  readonly identity: () => Promise<Identity>;
  /** Fields for the local awareness `user` (the relay stamps the same for others). */
  readonly awarenessUser: (identity: Identity) => Promise<StampedUser>;
  readonly WebSocket: WebSocketConstructor;
  /** Shows a space's agreement when a document of it is opened unsigned; resolve true to sign. */
  readonly agreement?: AgreementPrompt;
  /** Lists a space's documents (directory listings); optional. */
  readonly listDocuments?: (relay: string, space: string) => Promise<readonly { name: string; kind: string }[]>;
  /**
   * The relay could not be reached or never answered (the client library gives up within about 10 s):
   * resolve true to try again (the document's tab stays), false to let the open fail with the error.
   */
  readonly retryUnreachable?: (path: string, error: ConnectionClosedError) => Promise<boolean>;
  /**
   * Any other failure to open: tell the person what it means for them (e.g. whose key was refused); optional.
   * Resolve true when that explanation was shown and the document's tab closed: the open then ends quietly,
   * with no second, generic "File Load Error" box after the helpful one.
   */
  readonly explainFailure?: (location: EnclaveLocation, error: unknown) => Promise<boolean>;
}

export class EnclaveDrive implements Contents.IDrive {
  readonly name = DRIVE_NAME;
  readonly serverSettings: ServerConnection.ISettings;
  readonly sharedModelFactory: Contents.ISharedFactory;
  private readonly changed = new Signal<this, Contents.IChangedArgs>(this);
  private readonly pending = new Map<string, Promise<DocumentLink>>();
  /** Binds a fresh link to a path's (still empty) model: for retries after an unreachable relay. */
  private readonly rebind = new Map<string, () => Promise<DocumentLink>>();
  private disposed = false;

  constructor(private readonly options: EnclaveDriveOptions) {
    this.serverSettings = options.serverSettings;
    this.sharedModelFactory = {
      collaborative: true,
      createNew: (factoryOptions) => this.createSharedModel(factoryOptions),
    };
  }

  get fileChanged(): ISignal<this, Contents.IChangedArgs> {
    return this.changed;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    Signal.clearData(this);
  }

  async get(localPath: string, options?: Contents.IFetchOptions): Promise<Contents.IModel> {
    const location = parseLocation(localPath);
    if (location.document === undefined) return this.directory(location.relay, location.space, options);
    const path = drivePath(location);
    let link = await (this.pending.get(path) ?? Promise.reject(new Error(`${path} is not open`)));
    for (;;) {
      try {
        await link.whenSynced();
        return this.fileModel(localPath, link, null);
      } catch (error) {
        const retry = this.options.retryUnreachable;
        const unreachable = error instanceof ConnectionClosedError && error.unreachable;
        if (!unreachable) {
          const explained = await this.options.explainFailure?.(location, error).catch(() => false);
          // The tab is closed (its context disposed), so JupyterLab ignores this empty answer.
          if (explained === true) return this.fileModel(localPath, link, null);
          throw error;
        }
        if (!retry) throw error;
        // Stop the failed link's own reconnects while the person decides: only a retry binds the model.
        if (this.options.links.get(path) === link) this.options.links.remove(path);
        if (!(await retry(path, error))) throw error;
        // Nothing was received, so the model is still empty and a new link may bind it (the seeding rule).
        link = await (this.rebind.get(path) ?? (() => Promise.reject(error)))();
      }
    }
  }

  async save(localPath: string, options?: Partial<Contents.IModel>): Promise<Contents.IModel> {
    const path = drivePath(parseLocation(localPath));
    const link = await (this.pending.get(path) ?? Promise.reject(new Error(`${path} is not open`)));
    await link.flush();
    const model = this.fileModel(localPath, link, null, options?.format ?? undefined);
    this.changed.emit({ type: 'save', oldValue: null, newValue: model });
    return model;
  }

  async getDownloadUrl(localPath: string): Promise<string> {
    throw new Error(`${localPath} lives on a relay: use "Enclave: pull" or save a local copy instead`);
  }

  async newUntitled(): Promise<Contents.IModel> {
    throw new Error('create Enclave documents with "Share into Enclave" from a local file');
  }

  async delete(localPath: string): Promise<void> {
    throw new Error(`documents on a relay are not deleted from JupyterLab (${localPath})`);
  }

  async rename(localPath: string): Promise<Contents.IModel> {
    throw new Error(`documents on a relay cannot be renamed (${localPath})`);
  }

  async copy(localPath: string): Promise<Contents.IModel> {
    throw new Error(`copy ${localPath} by sharing a local file into a new document`);
  }

  /** The relay keeps every stored update; its flush is the checkpoint. */
  async createCheckpoint(localPath: string): Promise<Contents.ICheckpointModel> {
    await this.save(localPath);
    return { id: 'relay', last_modified: new Date().toISOString() };
  }

  async listCheckpoints(): Promise<Contents.ICheckpointModel[]> {
    return [];
  }

  async restoreCheckpoint(localPath: string): Promise<void> {
    throw new Error(`${localPath}: restoring an older version from the relay is not supported yet`);
  }

  async deleteCheckpoint(): Promise<void> {
    /* nothing to delete: createCheckpoint keeps no copy */
  }

  private createSharedModel(options: Contents.ISharedFactoryOptions): YDocument<DocumentChange> | undefined {
    const location = parseLocation(options.path);
    if (location.document === undefined) return undefined;
    const context = { relay: location.relay, space: location.space, document: location.document };
    const path = drivePath(location);
    const model: YNotebook | YFile =
      options.contentType === 'notebook' || documentKindForFileName(location.document) === 'notebook'
        ? new YNotebook({ disableDocumentWideUndoRedo: true })
        : new YFile();
    const bind = async (): Promise<DocumentLink> => {
      const identity = await this.options.identity();
      model.awareness.setLocalStateField('user', await this.options.awarenessUser(identity));
      const link = new DocumentLink({
        ...this.options.relayAddresses(location.relay),
        room: roomOf(location),
        identity,
        model,
        WebSocket: this.options.WebSocket,
        ...(this.options.agreement
          ? {
              agreement: (agreement: AgreementInfo) => this.options.agreement!(context, agreement),
            }
          : {}),
      });
      this.options.links.add(path, link); // destroys the link it replaces, on a retry
      return link;
    };
    const linked = bind();
    linked.catch(() => undefined); // reported by get(), which the document context awaits
    this.pending.set(path, linked);
    this.rebind.set(path, bind);
    model.disposed.connect(() => {
      if (this.pending.get(path) === linked) this.pending.delete(path);
      if (this.rebind.get(path) === bind) this.rebind.delete(path);
      void linked.then(() => {
        const link = this.options.links.get(path);
        if (link?.doc === model.ydoc) this.options.links.remove(path);
      });
    });
    return model as unknown as YDocument<DocumentChange>;
  }

  private fileModel(
    localPath: string,
    link: DocumentLink,
    content: null,
    format?: Contents.FileFormat,
  ): Contents.IModel {
    const document = link.document;
    const isNotebook = document?.kind === 'notebook';
    const created = document?.created ?? new Date().toISOString();
    return {
      name: localPath.split('/').pop() ?? localPath,
      path: localPath,
      type: isNotebook ? 'notebook' : 'file',
      writable: !link.readOnly,
      created,
      last_modified: new Date().toISOString(),
      mimetype: isNotebook ? 'application/x-ipynb+json' : 'text/plain',
      content,
      format: format ?? (isNotebook ? 'json' : 'text'),
      ...(document?.size !== undefined ? { size: document.size } : {}),
    };
  }

  private async directory(relay: string, space: string, options?: Contents.IFetchOptions): Promise<Contents.IModel> {
    const now = new Date().toISOString();
    const documents =
      options?.content === false || !this.options.listDocuments ? [] : await this.options.listDocuments(relay, space);
    const dirPath = `${relay}/${space}`;
    return {
      name: space,
      path: dirPath,
      type: 'directory',
      writable: false,
      created: now,
      last_modified: now,
      mimetype: '',
      format: 'json',
      content: documents.map((d) => ({
        name: d.name,
        path: `${dirPath}/${d.name}`,
        type: d.kind === 'notebook' ? 'notebook' : 'file',
        writable: true,
        created: now,
        last_modified: now,
        mimetype: '',
        content: null,
        format: null,
      })),
    };
  }
}
