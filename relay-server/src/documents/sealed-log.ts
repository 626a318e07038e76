/**
 * A sealed space's document: an ordered log of sealed messages the relay cannot read (shared
 * sealed/envelope.ts), stored before it is forwarded, as in a plain space. The relay checks only what the
 * header tells it: the author is this connection's identity, the author may write, the epoch is the space's
 * current one, the message is for this document. It never parses Yjs here. Clients compact: a sealed
 * snapshot replaces the log up to the seq it covers, if it covers more than the snapshot before it.
 */
import type * as decoding from 'lib0/decoding';
import {
  CloseCode,
  decodeClientSealed,
  encodeRelaySealed,
  equalBytes,
  type FromClientSealed,
  type LogEntry,
  MessageTag,
  ProtocolViolation,
  parsePublicKey,
  readRawSealedHeader,
  SealedKind,
  type SealedRejection,
} from '@enclave/shared';
import type { Logger } from '../observability/logger.js';
import type { RelayMetrics } from '../observability/metrics.js';
import type { SpaceEpochs } from '../sealed/space-epochs.js';
import type { DocumentRecord, Storage } from '../storage/storage.js';
import type { DocumentPeer } from './document-peer.js';
import type { RelayDocument } from './relay-document.js';

export interface SealedLogContext {
  readonly storage: Storage;
  readonly metrics: RelayMetrics;
  readonly logger: Logger;
  readonly epochs: SpaceEpochs;
}

export class SealedLog implements RelayDocument {
  private readonly peers = new Set<DocumentPeer>();
  /** Each peer's identity as raw key bytes, to compare with envelope authors without formatting either. */
  private readonly peerKeys = new WeakMap<DocumentPeer, Uint8Array>();
  /** Serialises storage writes and the sends that must follow them (as in the Yjs document). */
  private queue: Promise<void> = Promise.resolve();
  private failed: Error | undefined;

  private constructor(
    readonly space: string,
    readonly record: DocumentRecord,
    private snapshot: LogEntry | null,
    private readonly entries: LogEntry[],
    private head: number,
    private readonly context: SealedLogContext,
  ) {}

  static async load(space: string, record: DocumentRecord, context: SealedLogContext): Promise<SealedLog> {
    const state = await context.storage.loadDocument(space, record.name);
    await context.epochs.current(space);
    const snapshot = state.snapshot ? { seq: state.snapshotSeq, envelope: state.snapshot } : null;
    const entries = state.updates.map((envelope, i) => ({ seq: state.updateSeqs[i]!, envelope }));
    return new SealedLog(space, record, snapshot, entries, state.lastSeq, context);
  }

  get name(): string {
    return this.record.name;
  }

  get peerCount(): number {
    return this.peers.size;
  }

  get isFailed(): boolean {
    return this.failed !== undefined;
  }

  /** A joining peer asks for the log itself (Fetch), from where its copy stops. */
  addPeer(peer: DocumentPeer): void {
    this.peers.add(peer);
  }

  removePeer(peer: DocumentPeer): void {
    this.peers.delete(peer);
  }

  receive(peer: DocumentPeer, tag: number, decoder: decoding.Decoder): Promise<void> | void {
    if (tag !== MessageTag.Sealed) throw new ProtocolViolation('a sealed document speaks sealed frames only');
    const message = decodeClientSealed(decoder);
    switch (message.type) {
      case 'fetch':
        return this.enqueue(() => peer.send(encodeRelaySealed(this.logAfter(message.after))), 'peer');
      case 'presence':
        return this.forwardPresence(peer, message.envelope);
      case 'append':
      case 'snapshot':
        return this.write(peer, message);
    }
  }

  drain(): Promise<void> {
    return this.enqueue(() => undefined, 'peer');
  }

  /** Nothing to fold: clients compact sealed logs. */
  persist(): Promise<void> {
    return this.drain();
  }

  destroy(): void {
    this.peers.clear();
  }

  private logAfter(after: number): Extract<Parameters<typeof encodeRelaySealed>[0], { type: 'log' }> {
    const snapshot = this.snapshot && after < this.snapshot.seq ? this.snapshot : null;
    const from = Math.max(after, snapshot?.seq ?? 0);
    return { type: 'log', head: this.head, snapshot, entries: this.entries.filter((e) => e.seq > from) };
  }

  private forwardPresence(peer: DocumentPeer, envelope: Uint8Array): void {
    const header = readRawSealedHeader(envelope);
    if (header.kind !== SealedKind.Presence || !this.isAuthor(peer, header.authorKey)) {
      return this.reject(peer, 'not-yours', 'presence must be sealed by the connection’s own identity');
    }
    const frame = encodeRelaySealed({ type: 'presence-of', author: peer.user.publicKey, envelope });
    for (const other of this.peers) if (other !== peer) other.send(frame);
  }

  private write(
    peer: DocumentPeer,
    message: Extract<FromClientSealed, { type: 'append' | 'snapshot' }>,
  ): Promise<void> | void {
    const header = readRawSealedHeader(message.envelope);
    const wanted = message.type === 'append' ? SealedKind.Update : SealedKind.Snapshot;
    if (header.kind !== wanted) throw new ProtocolViolation(`a ${message.type} carries the wrong kind of message`);
    if (!peer.canWrite) {
      // Dropped without being read, as a viewer's Yjs update is.
      this.context.metrics.updatesDropped.inc({ reason: 'read-only' });
      peer.noticeReadOnly();
      return;
    }
    if (!this.isAuthor(peer, header.authorKey)) return this.reject(peer, 'not-yours', 'sealed by another identity');
    if (header.document !== this.name) return this.reject(peer, 'wrong-document', 'sealed for another document');
    const epoch = this.context.epochs.peek(this.space) ?? 0;
    if (header.epoch !== epoch) {
      return this.reject(peer, 'stale-epoch', `the space is at epoch ${epoch}: fetch its key and seal again`);
    }
    if (this.failed) return Promise.reject(this.failed);
    if (message.type === 'append') return this.append(message.envelope);
    return this.replacePrefix(peer, message.covers, message.envelope);
  }

  private isAuthor(peer: DocumentPeer, authorKey: Uint8Array): boolean {
    let key = this.peerKeys.get(peer);
    if (!key) this.peerKeys.set(peer, (key = parsePublicKey(peer.user.publicKey)));
    return equalBytes(key, authorKey);
  }

  private append(envelope: Uint8Array): Promise<void> {
    return this.enqueue(async () => {
      const seq = await this.context.storage.appendUpdate(this.space, this.name, envelope);
      const entry = { seq, envelope };
      this.entries.push(entry);
      this.head = seq;
      this.context.metrics.hot.updatesStored++;
      // To the sender too: the entry is its acknowledgement and tells it the seq. A Buffer once here,
      // rather than a Buffer view made by ws for every peer.
      const bytes = encodeRelaySealed({ type: 'entry', entry });
      const frame = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (const peer of this.peers) peer.send(frame);
    }, 'storage');
  }

  /** Compare-and-set: the snapshot must cover more than the current one and no more than the log holds. */
  private replacePrefix(peer: DocumentPeer, covers: number, envelope: Uint8Array): Promise<void> {
    return this.enqueue(async () => {
      const current = this.snapshot?.seq ?? 0;
      if (covers <= current || covers > this.head) {
        return this.reject(
          peer,
          'snapshot-refused',
          `a snapshot must cover more than seq ${current} and at most ${this.head}`,
        );
      }
      await this.context.storage.compactDocument(this.space, this.name, envelope, covers);
      this.snapshot = { seq: covers, envelope };
      const kept = this.entries.filter((e) => e.seq > covers);
      this.entries.splice(0, this.entries.length, ...kept);
      this.context.metrics.compactions.inc();
      peer.send(encodeRelaySealed({ type: 'snapshot-stored', covers }));
    }, 'storage');
  }

  private reject(peer: DocumentPeer, reason: SealedRejection, message: string): void {
    this.context.metrics.updatesDropped.inc({ reason });
    peer.send(encodeRelaySealed({ type: 'rejected', reason, message }));
  }

  private enqueue(task: () => void | Promise<void>, kind: 'storage' | 'peer'): Promise<void> {
    const run = this.queue.then(() => {
      if (this.failed) throw this.failed;
      return task();
    });
    this.queue = run.then(
      () => undefined,
      (error: unknown) => {
        if (kind === 'storage') this.fail(error);
      },
    );
    return run;
  }

  /** Storage failed: peers reconnect and fetch from what storage has; their unacknowledged appends resend. */
  private fail(error: unknown): void {
    if (this.failed) return;
    this.failed = error instanceof Error ? error : new Error(String(error));
    this.context.logger.log('error', 'sealed document storage failed; disconnecting its peers', {
      space: this.space,
      document: this.name,
      error: this.failed.message,
    });
    for (const peer of [...this.peers]) peer.close(CloseCode.InternalError, 'storage failed; reconnect');
  }
}
