/**
 * Keeps a Y.Doc and its Awareness in sync with one document of a sealed space (protocol 2). What
 * DocumentSession does with y-websocket frames, this does with sealed messages: local updates are sealed
 * (encrypted and signed, sealed/envelope.ts) and appended to the relay's log; the log's entries are
 * verified, checked for replays and gaps (SequenceGuard) and decrypted before Yjs sees them. Anything that
 * fails a check is not applied and is reported ('tampered'). Writers compact the log with sealed snapshots.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { ObservableV2 } from 'lib0/observable';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import { type Identity, importSigningKey, parsePublicKey, formatPublicKey } from '../identity/keys.js';
import { MessageTag } from '../protocol/frames.js';
import type { DocumentInfo, NoticeMessage, WelcomeMessage } from '../protocol/messages.js';
import {
  decodeRelaySealed,
  encodeClientSealed,
  type FromRelaySealed,
  type LogEntry,
} from '../protocol/sealed-frames.js';
import type { DocumentKind } from '../schema/document-kind.js';
import { openSealed, seal, type SealedHeader, SealedKind, type Sealer, TamperedMessage } from '../sealed/envelope.js';
import { stampPresence } from '../sealed/presence-stamp.js';
import { sealName } from '../sealed/sealed-names.js';
import { SequenceGuard } from '../sealed/sequence-guard.js';
import { NoKeyYet, type SpaceKeys } from '../sealed/space-keys.js';
import type { EnclaveConnection } from './enclave-connection.js';
import { RequestError } from './errors.js';
import type { LiveDocument, LiveDocumentEvents } from './live-document.js';
import { whenSynced } from './when-synced.js';

export interface SealedSessionOptions {
  /** A connection to the document's room: `space/<opaque id>`. */
  readonly connection: EnclaveConnection;
  readonly doc: Y.Doc;
  readonly awareness?: awarenessProtocol.Awareness;
  readonly identity: Identity;
  readonly keys: SpaceKeys;
  /** Create the document if it does not exist: its kind and real name (sealed before it is sent). */
  readonly create?: { readonly kind: DocumentKind; readonly name: string };
  /** Log entries after the snapshot past which a writer makes a new snapshot (default 200). */
  readonly snapshotEvery?: number;
}

export type SealedSessionEvents = LiveDocumentEvents;

interface Outgoing {
  readonly seq: number;
  readonly update: Uint8Array;
}

export class SealedSession extends ObservableV2<SealedSessionEvents> implements LiveDocument {
  readonly sealed = true;
  readonly connection: EnclaveConnection;
  readonly doc: Y.Doc;
  readonly awareness: awarenessProtocol.Awareness;
  private readonly ownsAwareness: boolean;
  private readonly session = crypto.getRandomValues(new Uint32Array(1))[0]!;
  private readonly presenceSession = crypto.getRandomValues(new Uint32Array(1))[0]!;
  private readonly guard = new SequenceGuard();
  private signingKey: Promise<CryptoKey>;
  /** Sealed updates sent and not yet seen back in the log (resent after a reconnect or a new epoch). */
  private outbox: Outgoing[] = [];
  private nextSeq = 1;
  private presenceSeq = 1;
  /** The last log seq applied, and the snapshot's. */
  private applied = 0;
  private snapshotSeq = 0;
  private entriesSinceSnapshot = 0;
  private isSynced = false;
  private info: DocumentInfo | undefined;
  private canWrite = false;
  /** Frames and local updates are handled one at a time, in order (opening and sealing are async). */
  private work: Promise<void> = Promise.resolve();
  private destroyed = false;

  constructor(private readonly options: SealedSessionOptions) {
    super();
    this.connection = options.connection;
    this.doc = options.doc;
    this.ownsAwareness = !options.awareness;
    this.awareness = options.awareness ?? new awarenessProtocol.Awareness(options.doc);
    this.signingKey = importSigningKey(options.identity);
    this.doc.on('update', this.onDocUpdate);
    this.awareness.on('update', this.onAwarenessUpdate);
    this.connection.on('welcome', this.onWelcome);
    this.connection.on('frame', this.onFrame);
    this.connection.on('notice', this.onNotice);
    this.connection.on('closed', this.onClosed);
    const welcome = this.connection.welcome;
    if (welcome) this.onWelcome(welcome);
  }

  get synced(): boolean {
    return this.isSynced;
  }

  get document(): DocumentInfo | undefined {
    return this.info;
  }

  whenSynced(): Promise<void> {
    return whenSynced(this, this.connection);
  }

  /** Resolves once every local change so far is stored by the relay (seen back in its log). */
  async flush(): Promise<void> {
    await this.whenSynced();
    await this.work;
    while (this.outbox.length > 0) {
      await new Promise<void>((resolve) => {
        const check = (): void => {
          if (this.outbox.length === 0 || this.destroyed) {
            clearInterval(timer);
            resolve();
          }
        };
        const timer = setInterval(check, 10);
      });
      if (this.destroyed) throw new Error('the session was closed before its changes were stored');
    }
  }

  override destroy(): void {
    this.destroyed = true;
    this.doc.off('update', this.onDocUpdate);
    this.awareness.off('update', this.onAwarenessUpdate);
    this.connection.off('welcome', this.onWelcome);
    this.connection.off('frame', this.onFrame);
    this.connection.off('notice', this.onNotice);
    this.connection.off('closed', this.onClosed);
    if (this.ownsAwareness) this.awareness.destroy();
    super.destroy();
  }

  // ---- inbound

  private readonly onWelcome = (welcome: WelcomeMessage): void => {
    this.enqueue(async () => {
      if (welcome.agreement) {
        this.emit('agreement', [welcome.agreement]);
        return;
      }
      this.canWrite = welcome.role === 'editor' || welcome.role === 'lead';
      if (!(await this.refreshKeys())) return;
      let document = welcome.document;
      if (!document) {
        try {
          const create = this.options.create;
          if (!create) throw new RequestError('not-found', `no document ${this.connection.room}`);
          const sealedName = await sealName(await this.sealer(), this.documentId, create.name);
          document = (await this.connection.request({ op: 'document.create', kind: create.kind, sealedName })).document;
        } catch (error) {
          if (error instanceof RequestError) this.emit('missing', [error]);
          return;
        }
      }
      this.info = document;
      this.emit('document', [document]);
      this.connection.send(encodeClientSealed({ type: 'fetch', after: this.applied }));
    });
  };

  private readonly onFrame = (tag: number, decoder: decoding.Decoder): void => {
    if (tag !== MessageTag.Sealed) return;
    let message: FromRelaySealed;
    try {
      message = decodeRelaySealed(decoder);
    } catch {
      this.emit('tampered', ['the relay sent a malformed sealed frame']);
      return;
    }
    this.enqueue(() => this.handle(message));
  };

  private readonly onNotice = (notice: NoticeMessage): void => {
    if (notice.code === 'epoch-changed') this.enqueue(() => this.newEpoch());
  };

  private readonly onClosed = (): void => {
    this.setSynced(false);
    const others = [...this.awareness.getStates().keys()].filter((id) => id !== this.doc.clientID);
    awarenessProtocol.removeAwarenessStates(this.awareness, others, this);
  };

  private async handle(message: FromRelaySealed): Promise<void> {
    switch (message.type) {
      case 'log':
        if (message.snapshot) await this.applySnapshot(message.snapshot);
        for (const entry of message.entries) await this.applyEntry(entry);
        this.applied = Math.max(this.applied, message.head);
        this.setSynced(true);
        this.announce();
        for (const out of this.outbox) await this.sendUpdate(out); // what was not stored before the reconnect
        return;
      case 'entry':
        await this.applyEntry(message.entry);
        await this.maybeSnapshot();
        return;
      case 'presence-of':
        return this.applyPresence(message.author, message.envelope);
      case 'rejected':
        if (message.reason === 'stale-epoch') return this.newEpoch();
        if (message.reason !== 'snapshot-refused')
          this.emit('tampered', [`the relay refused a message: ${message.message}`]);
        return;
      case 'snapshot-stored':
        this.snapshotSeq = Math.max(this.snapshotSeq, message.covers);
        this.entriesSinceSnapshot = 0;
        return;
    }
  }

  private async applyEntry(entry: LogEntry): Promise<void> {
    if (entry.seq <= this.applied) return;
    this.applied = entry.seq;
    this.entriesSinceSnapshot++;
    const opened = await this.open(entry.envelope, SealedKind.Update);
    if (!opened) return;
    const { header, plaintext } = opened;
    if (header.author === this.options.identity.publicKey && header.session === this.session) {
      this.outbox = this.outbox.filter((out) => out.seq > header.seq); // stored: acknowledged
    }
    const check = this.guard.check(header);
    if (check === 'replay') return;
    if (check === 'gap')
      this.emit('tampered', [`a message from ${header.author} is missing: the relay withheld or reordered it`]);
    this.applyUpdate(plaintext, header);
  }

  private async applySnapshot(entry: LogEntry): Promise<void> {
    const opened = await this.open(entry.envelope, SealedKind.Snapshot);
    this.applied = Math.max(this.applied, entry.seq);
    this.snapshotSeq = entry.seq;
    this.entriesSinceSnapshot = 0;
    if (!opened) return;
    try {
      const decoder = decoding.createDecoder(opened.plaintext);
      const state = decoding.readVarUint8Array(decoder);
      const table: [string, number, number][] = [];
      for (let n = decoding.readVarUint(decoder); n > 0; n--) {
        const author = formatPublicKey(decoding.readUint8Array(decoder, 32));
        table.push([author, decoding.readVarUint(decoder), decoding.readVarUint(decoder)]);
      }
      this.guard.load(table);
      this.applyUpdate(state, opened.header);
    } catch {
      this.emit('tampered', ['a snapshot does not decode']);
    }
  }

  private applyUpdate(update: Uint8Array, header: SealedHeader): void {
    try {
      Y.applyUpdate(this.doc, update, this);
    } catch {
      this.emit('tampered', [`an update from ${header.author} is not a valid Yjs update`]);
    }
  }

  private async applyPresence(author: string, envelope: Uint8Array): Promise<void> {
    const opened = await this.open(envelope, SealedKind.Presence);
    if (!opened) return;
    if (opened.header.author !== author) {
      this.emit('tampered', ['the relay attached presence to someone other than its author']);
      return;
    }
    try {
      // Bound to the verified author, as the relay stamps plain spaces' presence (it cannot read this).
      const stamped = await stampPresence(opened.plaintext, author);
      awarenessProtocol.applyAwarenessUpdate(this.awareness, stamped, this);
    } catch {
      this.emit('tampered', [`presence from ${author} does not decode`]);
    }
  }

  /** Verifies and decrypts; checks the kind and that it belongs to this document. Undefined if it fails. */
  private async open(envelope: Uint8Array, kind: number) {
    try {
      const opened = await openSealed(envelope, this.options.keys.space, this.options.keys.keyOf);
      if (opened.header.kind !== kind) throw new TamperedMessage('a message of the wrong kind');
      if (opened.header.document !== this.documentId) throw new TamperedMessage('a message of another document');
      return opened;
    } catch (error) {
      if (error instanceof TamperedMessage && /no key for epoch/.test(error.message)) {
        await this.refreshKeys();
        try {
          return await openSealed(envelope, this.options.keys.space, this.options.keys.keyOf);
        } catch {
          // fall through to the report
        }
      }
      this.emit('tampered', [error instanceof Error ? error.message : String(error)]);
      return undefined;
    }
  }

  // ---- outbound

  private readonly onDocUpdate = (update: Uint8Array, origin: unknown): void => {
    // Kept until stored, including edits made before the first welcome; a viewer's are not sent at all.
    if (origin === this || (this.info !== undefined && !this.canWrite)) return;
    const out = { seq: this.nextSeq++, update };
    this.outbox.push(out);
    this.enqueue(() => (this.isSynced ? this.sendUpdate(out) : undefined));
  };

  private readonly onAwarenessUpdate = (
    changes: { added: number[]; updated: number[]; removed: number[] },
    origin: unknown,
  ): void => {
    if (origin === this || !this.isSynced) return;
    const update = awarenessProtocol.encodeAwarenessUpdate(
      this.awareness,
      changes.added.concat(changes.updated, changes.removed),
    );
    this.enqueue(async () => {
      const sealer = await this.sealerOrWait();
      if (!sealer) return;
      const fields = {
        kind: SealedKind.Presence,
        session: this.presenceSession,
        seq: this.presenceSeq++,
        document: this.documentId,
      };
      this.connection.send(encodeClientSealed({ type: 'presence', envelope: await seal(sealer, fields, update) }));
    });
  };

  /**
   * Sends this client's presence with a fresh clock after each (re)sync: there is no query for others'
   * presence in the sealed protocol, and peers renew theirs on their own (y-protocols: every 15 s).
   */
  private announce(): void {
    const local = this.awareness.getLocalState();
    if (local !== null) this.awareness.setLocalState(local); // sent by onAwarenessUpdate
  }

  private async sendUpdate(out: Outgoing): Promise<void> {
    if (!this.canWrite) return;
    const sealer = await this.sealerOrWait();
    if (!sealer) return;
    const fields = { kind: SealedKind.Update, session: this.session, seq: out.seq, document: this.documentId };
    this.connection.send(encodeClientSealed({ type: 'append', envelope: await seal(sealer, fields, out.update) }));
  }

  /** A writer compacts the log once it has grown past `snapshotEvery` entries since the last snapshot. */
  private async maybeSnapshot(force = false): Promise<void> {
    if (!this.canWrite || (!force && this.entriesSinceSnapshot < (this.options.snapshotEvery ?? 200))) return;
    if (this.applied <= this.snapshotSeq) return;
    const sealer = await this.sealerOrWait();
    if (!sealer) return;
    const encoder = encoding.createEncoder();
    encoding.writeVarUint8Array(encoder, Y.encodeStateAsUpdate(this.doc));
    const table = this.guard.table();
    encoding.writeVarUint(encoder, table.length);
    for (const [author, session, seq] of table) {
      encoding.writeUint8Array(encoder, parsePublicKey(author));
      encoding.writeVarUint(encoder, session);
      encoding.writeVarUint(encoder, seq);
    }
    const fields = { kind: SealedKind.Snapshot, session: this.session, seq: 0, document: this.documentId };
    const envelope = await seal(sealer, fields, encoding.toUint8Array(encoder));
    this.entriesSinceSnapshot = 0;
    this.connection.send(encodeClientSealed({ type: 'snapshot', covers: this.applied, envelope }));
  }

  /** The space moved to a new epoch: fetch its key, resend what is unstored under it, snapshot under it. */
  private async newEpoch(): Promise<void> {
    if (!(await this.refreshKeys())) return;
    for (const out of this.outbox) await this.sendUpdate(out);
    await this.maybeSnapshot(true);
  }

  private async refreshKeys(): Promise<boolean> {
    try {
      const { unreadable } = await this.options.keys.refresh((request) => this.connection.request(request));
      if (unreadable.length > 0)
        this.emit('tampered', [`keys of epoch ${unreadable.join(', ')} were not wrapped for you`]);
      return true;
    } catch (error) {
      this.emit('tampered', [
        `could not fetch the space's keys: ${error instanceof Error ? error.message : String(error)}`,
      ]);
      return false;
    }
  }

  private async sealer(): Promise<Sealer> {
    const { epoch, key } = this.options.keys.current();
    return {
      space: this.options.keys.space,
      epoch,
      key,
      author: this.options.identity,
      signingKey: await this.signingKey,
    };
  }

  /** The sealer, or undefined (and 'waiting-for-key' said) while no lead has shared the key yet. */
  private async sealerOrWait(): Promise<Sealer | undefined> {
    try {
      return await this.sealer();
    } catch (error) {
      if (!(error instanceof NoKeyYet)) throw error;
      this.emit('waiting-for-key', [error.message]);
      return undefined;
    }
  }

  private get documentId(): string {
    return this.connection.options.room.document!;
  }

  private enqueue(task: () => void | Promise<void>): void {
    this.work = this.work.then(task).catch((error: unknown) => {
      if (!this.destroyed) this.emit('tampered', [error instanceof Error ? error.message : String(error)]);
    });
  }

  private setSynced(synced: boolean): void {
    if (this.isSynced === synced) return;
    this.isSynced = synced;
    this.emit('synced', [synced]);
  }
}
