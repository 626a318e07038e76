/**
 * Keeps a Y.Doc and its Awareness in sync with one document room, over an EnclaveConnection: the
 * y-websocket exchange (sync step 1/2, updates, awareness) started afresh after every welcome, so edits
 * made while disconnected are merged when the connection returns.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { ObservableV2 } from 'lib0/observable';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as syncProtocol from 'y-protocols/sync';
import type * as Y from 'yjs';
import { MessageTag } from '../protocol/frames.js';
import type { DocumentInfo, WelcomeMessage } from '../protocol/messages.js';
import type { DocumentKind } from '../schema/document-kind.js';
import type { EnclaveConnection } from './enclave-connection.js';
import { RequestError } from './errors.js';
import type { LiveDocument, LiveDocumentEvents } from './live-document.js';

export interface DocumentSessionOptions {
  readonly connection: EnclaveConnection;
  readonly doc: Y.Doc;
  /** Shared presence; one is created for the doc when omitted. */
  readonly awareness?: awarenessProtocol.Awareness;
  /** Create the document with this kind if it does not exist yet (editors and leads only). */
  readonly create?: DocumentKind;
}

/** A plain session never emits 'tampered' or 'waiting-for-key' (sealed spaces only). */
export type DocumentSessionEvents = LiveDocumentEvents;

export class DocumentSession extends ObservableV2<DocumentSessionEvents> implements LiveDocument {
  readonly sealed = false;
  readonly connection: EnclaveConnection;
  readonly doc: Y.Doc;
  readonly awareness: awarenessProtocol.Awareness;
  private isSynced = false;
  private info: DocumentInfo | undefined;
  private readonly ownsAwareness: boolean;

  constructor(private readonly options: DocumentSessionOptions) {
    super();
    this.connection = options.connection;
    this.doc = options.doc;
    this.ownsAwareness = !options.awareness;
    this.awareness = options.awareness ?? new awarenessProtocol.Awareness(options.doc);
    this.doc.on('update', this.onDocUpdate);
    this.awareness.on('update', this.onAwarenessUpdate);
    this.connection.on('welcome', this.onWelcome);
    this.connection.on('frame', this.onFrame);
    this.connection.on('closed', this.onClosed);
    const welcome = this.connection.welcome;
    if (welcome) void this.onWelcome(welcome);
  }

  get synced(): boolean {
    return this.isSynced;
  }

  get document(): DocumentInfo | undefined {
    return this.info;
  }

  /**
   * Resolves when synced; rejects if the connection is refused or closed for good, the first attempt fails
   * (unreachable or silent relay), or the doc is missing.
   */
  whenSynced(): Promise<void> {
    if (this.isSynced) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onSynced = (synced: boolean): void => {
        if (!synced) return;
        cleanup();
        resolve();
      };
      const onMissing = (error: RequestError): void => {
        cleanup();
        reject(error);
      };
      const onStatus = (): void => {
        if (this.connection.hasFailed()) {
          cleanup();
          this.connection.whenWelcomed().catch(reject);
        }
      };
      const cleanup = (): void => {
        this.off('synced', onSynced);
        this.off('missing', onMissing);
        this.connection.off('status', onStatus);
      };
      this.on('synced', onSynced);
      this.on('missing', onMissing);
      this.connection.on('status', onStatus);
      onStatus();
    });
  }

  /** Resolves once the relay has durably stored every local change made so far. */
  async flush(): Promise<void> {
    await this.whenSynced();
    await this.connection.request({ op: 'flush' });
  }

  override destroy(): void {
    if (this.connection.status === 'connected') {
      awarenessProtocol.removeAwarenessStates(this.awareness, [this.doc.clientID], 'session destroyed');
    }
    this.doc.off('update', this.onDocUpdate);
    this.awareness.off('update', this.onAwarenessUpdate);
    this.connection.off('welcome', this.onWelcome);
    this.connection.off('frame', this.onFrame);
    this.connection.off('closed', this.onClosed);
    if (this.ownsAwareness) this.awareness.destroy();
    super.destroy();
  }

  private readonly onWelcome = async (welcome: WelcomeMessage): Promise<void> => {
    if (welcome.agreement) {
      this.emit('agreement', [welcome.agreement]);
      return; // a second welcome follows the signature
    }
    if (welcome.sealed) {
      // A sealed space's documents speak sealed frames (SealedSession), by opaque id, never y-websocket.
      this.emit('missing', [
        new RequestError('bad-request', `${this.connection.room} is in a sealed space: open it with a sealed session`),
      ]);
      return;
    }
    let document = welcome.document;
    if (!document) {
      try {
        if (!this.options.create) throw new RequestError('not-found', `no document ${this.connection.room}`);
        document = (await this.connection.request({ op: 'document.create', kind: this.options.create })).document;
      } catch (error) {
        if (error instanceof RequestError) this.emit('missing', [error]);
        return;
      }
    }
    this.info = document;
    this.emit('document', [document]);
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, MessageTag.Sync);
    syncProtocol.writeSyncStep1(encoder, this.doc);
    this.connection.send(encoding.toUint8Array(encoder));
    // Announce ourselves with a fresh clock: receivers ignore a state whose clock they have already seen,
    // and y-protocols starts every client at clock 0 with an empty state.
    const local = this.awareness.getLocalState();
    if (local !== null) this.awareness.setLocalState(local); // sent by onAwarenessUpdate
    // Ask for everyone's presence: a session created after the welcome missed the relay's first frame.
    const query = encoding.createEncoder();
    encoding.writeVarUint(query, MessageTag.QueryAwareness);
    this.connection.send(encoding.toUint8Array(query));
  };

  private readonly onFrame = (tag: number, decoder: decoding.Decoder): void => {
    switch (tag) {
      case MessageTag.Sync: {
        const encoder = encoding.createEncoder();
        encoding.writeVarUint(encoder, MessageTag.Sync);
        const kind = syncProtocol.readSyncMessage(decoder, encoder, this.doc, this);
        if (encoding.length(encoder) > 1) this.connection.send(encoding.toUint8Array(encoder));
        if (kind === syncProtocol.messageYjsSyncStep2 && !this.isSynced) this.setSynced(true);
        return;
      }
      case MessageTag.Awareness:
        awarenessProtocol.applyAwarenessUpdate(this.awareness, decoding.readVarUint8Array(decoder), this);
        return;
      case MessageTag.QueryAwareness:
        this.connection.send(this.awarenessFrame(Array.from(this.awareness.getStates().keys())));
        return;
      default:
        return; // unknown y-websocket extension: ignore, as y-websocket does
    }
  };

  private readonly onClosed = (): void => {
    this.setSynced(false);
    const others = Array.from(this.awareness.getStates().keys()).filter((id) => id !== this.doc.clientID);
    awarenessProtocol.removeAwarenessStates(this.awareness, others, this);
  };

  private readonly onDocUpdate = (update: Uint8Array, origin: unknown): void => {
    if (origin === this) return;
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, MessageTag.Sync);
    syncProtocol.writeUpdate(encoder, update);
    this.connection.send(encoding.toUint8Array(encoder));
  };

  private readonly onAwarenessUpdate = (
    changes: { added: number[]; updated: number[]; removed: number[] },
    origin: unknown,
  ): void => {
    if (origin === this) return;
    const changed = changes.added.concat(changes.updated, changes.removed);
    this.connection.send(this.awarenessFrame(changed));
  };

  private awarenessFrame(clients: number[]): Uint8Array {
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, MessageTag.Awareness);
    encoding.writeVarUint8Array(encoder, awarenessProtocol.encodeAwarenessUpdate(this.awareness, clients));
    return encoding.toUint8Array(encoder);
  }

  private setSynced(synced: boolean): void {
    if (this.isSynced === synced) return;
    this.isSynced = synced;
    this.emit('synced', [synced]);
  }
}
