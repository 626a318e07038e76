/**
 * Keeps a Y.Doc and its Awareness in sync with one document of a sealed space (protocol 2). What
 * DocumentSession does with y-websocket frames, this does with sealed messages: local updates are sealed
 * (encrypted and signed, sealed/envelope.ts) and appended to the relay's log; the log's entries are
 * verified, checked for replays and gaps (SequenceGuard) and decrypted before Yjs sees them. Anything that
 * fails a check is not applied and is reported ('tampered'). Writers compact the log with sealed snapshots,
 * one writer per snapshot point, chosen by a rule every member computes alike from the log (snapshotPoint).
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { ObservableV2 } from 'lib0/observable';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import { equalBytes } from '../encoding/bytes.js';
import {
  type Identity,
  importSigningKey,
  parsePublicKey,
  formatPublicKey,
  SignatureVerifier,
} from '../identity/keys.js';
import { MessageTag } from '../protocol/frames.js';
import type { DocumentInfo, NoticeMessage, WelcomeMessage } from '../protocol/messages.js';
import {
  decodeRelaySealed,
  encodeClientSealed,
  type FromRelaySealed,
  type LogEntry,
  STORED_ACK_PROTOCOL,
  type StoredAppend,
} from '../protocol/sealed-frames.js';
import type { DocumentKind } from '../schema/document-kind.js';
import { openSealed, seal, type SealedHeader, SealedKind, type Sealer, TamperedMessage } from '../sealed/envelope.js';
import { stampPresence } from '../sealed/presence-stamp.js';
import { sealName } from '../sealed/sealed-names.js';
import { SequenceGuard } from '../sealed/sequence-guard.js';
import { NoKeyYet, type SpaceKeys } from '../sealed/space-keys.js';
import type { EnclaveConnection } from './enclave-connection.js';
import { ChainWriters } from './chain-writers.js';
import { ChainBroken } from '../sealed/membership-chain.js';
import { loadChain } from './space-membership.js';
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
  /**
   * The log is compacted at every entry whose seq is a multiple of this (default 200), by that entry's
   * author (see snapshotPoint). Members of one document should use the same value.
   */
  readonly snapshotEvery?: number;
}

export type SealedSessionEvents = LiveDocumentEvents;

interface Outgoing {
  readonly seq: number;
  readonly update: Uint8Array;
  /** What was last sent for it, and under which epoch: its echo in the log is recognised by these bytes. */
  sent?: { readonly envelope: Uint8Array; readonly epoch: number };
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
  /** Each author's key imported once for all the messages this session opens. */
  private readonly verifier = new SignatureVerifier();
  /** Whom the membership chain made a writer: updates and snapshots from anyone else are refused. */
  private readonly writers: ChainWriters;
  private signingKey: Promise<CryptoKey>;
  /** Sealed updates sent and not yet seen back in the log (resent after a reconnect or a new epoch). */
  private outbox: Outgoing[] = [];
  private nextSeq = 1;
  private presenceSeq = 1;
  /** The last log seq applied, and the snapshot's. */
  private applied = 0;
  private snapshotSeq = 0;
  /** The epoch of the last entry (or snapshot) opened: an entry under a newer one is a snapshot point. */
  private lastEpoch: number | undefined;
  /** This session authored a snapshot point and owes the log a snapshot. */
  private snapshotDue = false;
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
    this.writers = new ChainWriters(() => loadChain(this.connection, this.connection.chainPins));
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

  /** Resolves once every local change so far is stored by the relay (acknowledged, or seen back in its log). */
  async flush(): Promise<void> {
    await this.whenSynced();
    await this.work;
    if (this.outbox.length > 0 && (this.connection.welcome?.protocol ?? 0) >= STORED_ACK_PROTOCOL) {
      // The relay may hold acknowledgements back for a moment; a flush has it send them now.
      await this.connection.request({ op: 'flush' }).catch(() => undefined);
    }
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
        await this.maybeSnapshot();
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
        return;
      case 'stored':
        for (const stored of message.stored) this.stored(stored);
        await this.maybeSnapshot();
        return;
    }
  }

  private async applyEntry(entry: LogEntry): Promise<void> {
    if (entry.seq <= this.applied) return;
    const before = this.applied;
    this.applied = entry.seq;
    if (this.acknowledge(entry)) return;
    const opened = await this.open(entry.envelope, SealedKind.Update);
    if (!opened || !(await this.mayHaveWritten(opened.header, before))) return;
    const { header, plaintext } = opened;
    const mine = header.author === this.options.identity.publicKey && header.session === this.session;
    if (mine) this.outbox = this.outbox.filter((out) => out.seq > header.seq); // stored: acknowledged
    const check = this.guard.check(header);
    if (check === 'replay') return;
    if (this.snapshotPoint(entry.seq, header.epoch) && mine) this.snapshotDue = true;
    this.lastEpoch = header.epoch;
    if (check === 'gap')
      this.emit('tampered', [`a message from ${header.author} is missing: the relay withheld or reordered it`]);
    this.applyUpdate(plaintext, header);
  }

  /**
   * This session's own update coming back in the log, byte for byte as it was sent: acknowledged without
   * verifying or decrypting it (nothing the relay could have changed) and not applied (the doc made it).
   * Saves a quarter of a four-member room's opening work. Anything else goes through the full checks.
   */
  private acknowledge(entry: LogEntry): boolean {
    const out = this.outbox.find((o) => o.sent !== undefined && equalBytes(o.sent.envelope, entry.envelope));
    if (!out) return false;
    this.outbox = this.outbox.filter((o) => o.seq > out.seq);
    const header = { author: this.options.identity.publicKey, session: this.session, seq: out.seq };
    if (this.guard.check(header) === 'replay') return true;
    if (this.snapshotPoint(entry.seq, out.sent!.epoch)) this.snapshotDue = true;
    this.lastEpoch = out.sent!.epoch;
    return true;
  }

  /**
   * Protocol 3: the relay stored this session's append `messageSeq` as entry `seq` (it no longer echoes the
   * entry): the same bookkeeping as acknowledge(). The relay sent this connection every entry before `seq`
   * ahead of this acknowledgement, so they are applied: `applied` moves to `seq` (a snapshot covers it).
   */
  private stored({ seq, messageSeq }: StoredAppend): void {
    const out = this.outbox.find((o) => o.seq === messageSeq && o.sent !== undefined);
    if (!out) return; // seen already, in a log fetched after a reconnect
    this.outbox = this.outbox.filter((o) => o.seq > messageSeq);
    this.applied = Math.max(this.applied, seq);
    const header = { author: this.options.identity.publicKey, session: this.session, seq: messageSeq };
    if (this.guard.check(header) === 'replay') return;
    if (this.snapshotPoint(seq, out.sent!.epoch)) this.snapshotDue = true;
    this.lastEpoch = out.sent!.epoch;
  }

  private async applySnapshot(entry: LogEntry): Promise<void> {
    const opened = await this.open(entry.envelope, SealedKind.Snapshot);
    const before = this.applied;
    this.applied = Math.max(this.applied, entry.seq);
    this.snapshotSeq = entry.seq;
    if (!opened || !(await this.mayHaveWritten(opened.header, before))) return;
    this.lastEpoch = opened.header.epoch;
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

  /**
   * Whether the membership chain ever made `header.author` a writer (chain-writers.ts); refused entries
   * are reported and not applied, as when the chain is broken or refused. If it cannot be read because the
   * connection went, the entry is
   * neither applied nor skipped: `applied` goes back to `before` and the rest of this frame is dropped,
   * so the log is fetched again from there after the reconnect.
   */
  private async mayHaveWritten(header: SealedHeader, before: number): Promise<boolean> {
    try {
      if (await this.writers.admits(header.author)) return true;
      this.emit('tampered', [
        `an update from ${header.author}, whom the membership chain never made an editor: the relay let a viewer or a stranger write`,
      ]);
      return false;
    } catch (error) {
      if (error instanceof ChainBroken || error instanceof RequestError) {
        this.emit('tampered', [`the membership chain could not be checked, so no update is trusted: ${error.message}`]);
        return false;
      }
      this.applied = Math.min(this.applied, before);
      throw new ChainUnreadable(error instanceof Error ? error.message : String(error));
    }
  }

  /** Verifies and decrypts; checks the kind and that it belongs to this document. Undefined if it fails. */
  private async open(envelope: Uint8Array, kind: number) {
    try {
      const opened = await openSealed(envelope, this.options.keys.space, this.options.keys.keyOf, this.verifier);
      if (opened.header.kind !== kind) throw new TamperedMessage('a message of the wrong kind');
      if (opened.header.document !== this.documentId) throw new TamperedMessage('a message of another document');
      return opened;
    } catch (error) {
      if (error instanceof TamperedMessage && /no key for epoch/.test(error.message)) {
        await this.refreshKeys();
        try {
          return await openSealed(envelope, this.options.keys.space, this.options.keys.keyOf, this.verifier);
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
    // Earlier updates still unacknowledged under an older epoch go again first, under this one: the relay
    // refuses them, and if this update were stored before their resend, receivers would drop them as replays
    // (their seq is below this one's). Sent twice is harmless (the second is a replay); skipped is a loss.
    if (out.sent === undefined)
      for (const earlier of this.outbox) {
        if (earlier === out) break;
        if (earlier.sent !== undefined && earlier.sent.epoch < sealer.epoch) await this.reseal(earlier, sealer);
      }
    await this.reseal(out, sealer);
  }

  private async reseal(out: Outgoing, sealer: Sealer): Promise<void> {
    const fields = { kind: SealedKind.Update, session: this.session, seq: out.seq, document: this.documentId };
    const envelope = await seal(sealer, fields, out.update);
    out.sent = { envelope, epoch: sealer.epoch };
    this.connection.send(encodeClientSealed({ type: 'append', envelope }));
  }

  /**
   * Who compacts, computed alike by every member from the log alone, so that one writer snapshots per
   * point instead of every writer racing (the relay would refuse all but the first): an entry is a
   * snapshot point when its seq is a multiple of `snapshotEvery`, or when it is the first entry under a
   * newer epoch than the one before it (re-snapshot under the new key). The point's author session makes
   * the snapshot when it sees its entry in the log. If that session is gone by then, nobody does, and the
   * next point's author covers both: the log still compacts, one period later.
   */
  private snapshotPoint(seq: number, epoch: number): boolean {
    const every = this.options.snapshotEvery ?? 200;
    return seq % every === 0 || (this.lastEpoch !== undefined && epoch > this.lastEpoch);
  }

  /** Makes the snapshot this session owes, covering everything applied so far. */
  private async maybeSnapshot(): Promise<void> {
    if (!this.snapshotDue || !this.canWrite) return;
    this.snapshotDue = false;
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
    this.connection.send(encodeClientSealed({ type: 'snapshot', covers: this.applied, envelope }));
  }

  /**
   * The space moved to a new epoch: fetch its key and resend what is unstored under it. The first entry
   * under the new epoch is a snapshot point: its author re-snapshots under the new key.
   */
  private async newEpoch(): Promise<void> {
    if (!(await this.refreshKeys())) return;
    const epoch = this.currentEpoch();
    // Only what was sealed under an older epoch (the relay refuses it) or never sent: the rest is on its way.
    for (const out of this.outbox)
      if (out.sent === undefined || epoch === undefined || out.sent.epoch < epoch) await this.sendUpdate(out);
  }

  private currentEpoch(): number | undefined {
    try {
      return this.options.keys.current().epoch;
    } catch (error) {
      if (error instanceof NoKeyYet) return undefined;
      throw error;
    }
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
      if (error instanceof ChainUnreadable) return; // fetched again after the reconnect
      if (!this.destroyed) this.emit('tampered', [error instanceof Error ? error.message : String(error)]);
    });
  }

  private setSynced(synced: boolean): void {
    if (this.isSynced === synced) return;
    this.isSynced = synced;
    this.emit('synced', [synced]);
  }
}

/** The membership chain could not be fetched (not: it was wrong): the entries waiting on it are fetched again. */
class ChainUnreadable extends Error {
  override readonly name = 'ChainUnreadable';
}
