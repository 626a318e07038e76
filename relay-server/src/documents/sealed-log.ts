/**
 * A sealed space's document: an ordered log of sealed messages the relay cannot read (shared
 * sealed/envelope.ts), stored before it is forwarded, as in a plain space. The relay checks only what the
 * header tells it: the author is this connection's identity, the author may write, the epoch is the space's
 * current one, the message is for this document. It never parses Yjs here. Clients compact: a sealed
 * snapshot replaces the log up to the seq it covers, if it covers more than the snapshot before it.
 *
 * With other relays on the same storage (fanout/fan-out.ts), entries and snapshots this relay stores are
 * published after they are stored. Clients apply entries in seq order and skip any below the last they
 * applied, so a relay may not forward entry N while an earlier one of the document may still be on its
 * way from another relay: with others, the log is read from storage (after an append here, or when another
 * relay announces an entry past this relay's head) and forwarded in seq order from there; a message only
 * says that there is something to read. Reads are coalesced: at most one waits behind the one running.
 *
 * Acknowledgements (protocol 3): alone, the relay does not echo an entry to its sender; it holds a Stored
 * for it and sends it in the same socket write as the next frame that peer gets, or after ACK_DELAY_MS, or
 * when a `flush` drains the document, whichever comes first. A sender learns that each append is stored
 * without a write of its own per edit. Protocol-2 peers, and every peer with other relays, get the echo.
 */
import type * as decoding from 'lib0/decoding';
import {
  CloseCode,
  decodeClientSealed,
  encodeEntryFrame,
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
  STORED_ACK_PROTOCOL,
  type StoredAppend,
} from '@enclave/shared';
import { EarlyMessages } from '../fanout/early-messages.js';
import type { DocumentChannel, DocumentListener, FanOut, StoredUpdate } from '../fanout/fan-out.js';
import type { Logger } from '../observability/logger.js';
import type { RelayMetrics } from '../observability/metrics.js';
import type { SpaceEpochs } from '../sealed/space-epochs.js';
import type { DocumentRecord, Storage } from '../storage/storage.js';
import { type FramedMessages, frameBinary, framedTogether } from '../transport/websocket-frame.js';
import type { DocumentPeer } from './document-peer.js';
import type { RelayDocument } from './relay-document.js';

/** How long a Stored may wait for another frame to the same peer to share its write. */
export const ACK_DELAY_MS = 200;
/** When held acknowledgements are due, those due within this much longer go in the same timer turn. */
const ACK_SLACK_MS = 20;

/** Acknowledgements held for one peer, since the first of them was. */
interface HeldAcks {
  readonly since: number;
  readonly stored: StoredAppend[];
}

export interface SealedLogContext {
  readonly storage: Storage;
  readonly metrics: RelayMetrics;
  readonly logger: Logger;
  readonly epochs: SpaceEpochs;
  readonly fanOut: FanOut;
}

export class SealedLog implements RelayDocument, DocumentListener {
  private readonly peers = new Set<DocumentPeer>();
  /** Each peer's identity as raw key bytes, to compare with envelope authors without formatting either. */
  private readonly peerKeys = new WeakMap<DocumentPeer, Uint8Array>();
  /** Orders what follows each storage call (sends, snapshots, fetches) as the calls were made. */
  private queue: Promise<void> = Promise.resolve();
  private failed: Error | undefined;
  private catchUpQueued = false;
  /** Stored appends not yet acknowledged to their (protocol 3) senders, and the timer that sends them. */
  private readonly heldAcks = new Map<DocumentPeer, HeldAcks>();
  private ackTimer: ReturnType<typeof setTimeout> | undefined;

  private constructor(
    readonly space: string,
    readonly record: DocumentRecord,
    private snapshot: LogEntry | null,
    private readonly entries: LogEntry[],
    private head: number,
    private readonly context: SealedLogContext,
    private readonly channel: DocumentChannel,
  ) {}

  static async load(space: string, record: DocumentRecord, context: SealedLogContext): Promise<SealedLog> {
    const early = new EarlyMessages();
    const channel = await context.fanOut.join(space, record.name, early);
    try {
      const state = await context.storage.loadDocument(space, record.name);
      await context.epochs.current(space);
      const snapshot = state.snapshot ? { seq: state.snapshotSeq, envelope: state.snapshot } : null;
      const entries = state.updates.map((envelope, i) => ({ seq: state.updateSeqs[i]!, envelope }));
      const log = new SealedLog(space, record, snapshot, entries, state.lastSeq, context, channel);
      early.attach(log);
      return log;
    } catch (error) {
      channel.leave();
      throw error;
    }
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
    // Its client resends what it has no ack for; receivers skip the copies as replays.
    this.heldAcks.delete(peer);
  }

  receive(peer: DocumentPeer, tag: number, decoder: decoding.Decoder): Promise<void> | void {
    if (tag !== MessageTag.Sealed) throw new ProtocolViolation('a sealed document speaks sealed frames only');
    const message = decodeClientSealed(decoder);
    switch (message.type) {
      case 'fetch':
        return this.enqueue(() => this.deliver(peer, framed(this.logAfter(message.after))), 'peer');
      case 'presence':
        return this.forwardPresence(peer, message.envelope);
      case 'append':
      case 'snapshot':
        return this.write(peer, message);
    }
  }

  /** Everything received so far is stored, and its senders have their acknowledgements. */
  drain(): Promise<void> {
    return this.enqueue(() => this.sendHeldAcks(), 'peer');
  }

  /** Nothing to fold: clients compact sealed logs. */
  persist(): Promise<void> {
    return this.drain();
  }

  destroy(): void {
    this.channel.leave();
    this.peers.clear();
    this.heldAcks.clear();
    clearTimeout(this.ackTimer);
  }

  // ---------------------------------------------------------------- from other relays (fan-out)

  /** Another relay stored an entry: kept once, in seq order, and forwarded to the peers here. */
  stored(updates: readonly StoredUpdate[]): void {
    if (updates.some((update) => update.seq > this.head)) this.missed();
  }

  /** Another relay stored a client's snapshot covering the log through `covers`. */
  compacted(covers: number, envelope: Uint8Array): void {
    this.adoptSnapshot(covers, envelope);
  }

  presence(frame: Uint8Array): void {
    const wire = frameBinary(frame);
    for (const peer of this.peers) this.deliver(peer, wire);
  }

  /**
   * Nothing to answer: a sealed relay keeps no presence (it cannot read it); members renew theirs and send
   * it again after each (re)sync, on one relay as on several.
   */
  presenceWanted(): void {}

  /** The fan-out may have lost something: read storage and forward the entries this copy lacks. */
  missed(): void {
    if (this.catchUpQueued || this.failed) return;
    this.catchUpQueued = true;
    this.enqueue(() => this.pull(), 'storage').catch(() => undefined);
  }

  /** Reads the log from storage and forwards, in seq order, what is past this relay's head. */
  private async pull(): Promise<void> {
    this.catchUpQueued = false;
    const state = await this.context.storage.loadDocument(this.space, this.name);
    const before = this.head;
    if (state.snapshot && state.snapshotSeq > before) {
      // Entries this relay never forwarded were folded meanwhile: its peers get the snapshot with the rest.
      this.adoptSnapshot(state.snapshotSeq, state.snapshot);
      state.updates.forEach((envelope, i) => this.keep({ seq: state.updateSeqs[i]!, envelope }));
      const wire = framed(this.logAfter(before));
      for (const peer of this.peers) this.deliver(peer, wire);
      return;
    }
    state.updates.forEach((envelope, i) => {
      const entry = { seq: state.updateSeqs[i]!, envelope };
      if (entry.seq <= before || !this.keep(entry)) return;
      const wire = frameBinary(encodeEntryFrame(entry));
      for (const peer of this.peers) this.deliver(peer, wire);
    });
  }

  /** Adds an entry unless it is known or folded into the snapshot; true when it was added. */
  private keep(entry: LogEntry): boolean {
    if (entry.seq <= (this.snapshot?.seq ?? 0)) return false;
    let at = this.entries.length;
    while (at > 0 && this.entries[at - 1]!.seq >= entry.seq) {
      if (this.entries[at - 1]!.seq === entry.seq) return false;
      at--;
    }
    this.entries.splice(at, 0, entry);
    this.head = Math.max(this.head, entry.seq);
    return true;
  }

  private adoptSnapshot(covers: number, envelope: Uint8Array): void {
    if (covers <= (this.snapshot?.seq ?? 0)) return;
    this.snapshot = { seq: covers, envelope };
    const kept = this.entries.filter((e) => e.seq > covers);
    this.entries.splice(0, this.entries.length, ...kept);
    this.head = Math.max(this.head, covers);
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
    const wire = frameBinary(frame);
    for (const other of this.peers) if (other !== peer) this.deliver(other, wire);
    this.channel.publishPresence(frame);
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
    if (message.type === 'append') return this.append(peer, message.envelope, header.seq);
    return this.replacePrefix(peer, message.covers, message.envelope);
  }

  private isAuthor(peer: DocumentPeer, authorKey: Uint8Array): boolean {
    let key = this.peerKeys.get(peer);
    if (!key) this.peerKeys.set(peer, (key = parsePublicKey(peer.user.publicKey)));
    return equalBytes(key, authorKey);
  }

  private append(author: DocumentPeer, envelope: Uint8Array, messageSeq: number): Promise<void> {
    // Handed to storage at once, not when the queue reaches it, so that appends arriving together share one
    // commit (storage keeps their order); each is forwarded from the queue, in order, after its own commit.
    const stored = this.context.storage.appendUpdate(this.space, this.name, envelope);
    // Its failure reaches the queue's task, unless the document failed before: then it is only a rejection.
    stored.catch(() => undefined);
    return this.enqueue(async () => {
      const seq = await stored;
      this.context.metrics.hot.updatesStored++;
      this.channel.publishStored([{ seq, bytes: envelope }]);
      // With other relays, entries below this one may still be on their way here: storage has them all.
      if (this.context.fanOut.shared) return this.pull();
      const entry = { seq, envelope };
      this.keep(entry);
      // Encoded and framed once for every peer; each gets one write of the same bytes.
      const wire = frameBinary(encodeEntryFrame(entry));
      const acksApart = author.protocol >= STORED_ACK_PROTOCOL && this.peers.has(author);
      for (const peer of this.peers) if (peer !== author || !acksApart) this.deliver(peer, wire);
      if (acksApart) this.holdAck(author, { seq, messageSeq });
    }, 'storage');
  }

  /** Sends `wire` to `peer`, with any acknowledgement held for it in the same write, ahead of it. */
  private deliver(peer: DocumentPeer, wire: FramedMessages): void {
    const held = this.heldAcks.get(peer);
    if (!held) return peer.sendFramed(wire);
    this.heldAcks.delete(peer);
    peer.sendFramed(framedTogether([framed({ type: 'stored', stored: held.stored }), wire]));
  }

  private holdAck(peer: DocumentPeer, stored: StoredAppend): void {
    const held = this.heldAcks.get(peer);
    if (held) held.stored.push(stored);
    else this.heldAcks.set(peer, { since: performance.now(), stored: [stored] });
    this.ackTimer ??= setTimeout(this.sendDueAcks, ACK_DELAY_MS);
  }

  /**
   * Sends what was held its whole delay, and waits for the next: each peer's acknowledgements get the full
   * delay to find a frame to travel with (a lone Stored costs a write). One timer per document; the map
   * keeps peers in the order their acknowledgements began to wait, since a sent peer leaves it.
   */
  private readonly sendDueAcks = (): void => {
    this.ackTimer = undefined;
    const now = performance.now();
    for (const [peer, held] of this.heldAcks) {
      const wait = held.since + ACK_DELAY_MS - now;
      if (wait > ACK_SLACK_MS) {
        this.ackTimer = setTimeout(this.sendDueAcks, wait);
        return;
      }
      this.heldAcks.delete(peer);
      peer.sendFramed(framed({ type: 'stored', stored: held.stored }));
    }
  };

  private sendHeldAcks(): void {
    clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
    for (const [peer, held] of this.heldAcks) peer.sendFramed(framed({ type: 'stored', stored: held.stored }));
    this.heldAcks.clear();
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
      // Another relay may have stored a snapshot covering as much meanwhile: storage decides.
      if (!(await this.context.storage.compactDocument(this.space, this.name, envelope, covers))) {
        return this.reject(peer, 'snapshot-refused', `a snapshot covering seq ${covers} or more is stored already`);
      }
      this.adoptSnapshot(covers, envelope);
      this.channel.publishCompacted(covers, envelope);
      this.context.metrics.compactions.inc();
      this.deliver(peer, framed({ type: 'snapshot-stored', covers }));
    }, 'storage');
  }

  private reject(peer: DocumentPeer, reason: SealedRejection, message: string): void {
    this.context.metrics.updatesDropped.inc({ reason });
    this.deliver(peer, framed({ type: 'rejected', reason, message }));
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
    this.heldAcks.clear();
    for (const peer of [...this.peers]) peer.close(CloseCode.InternalError, 'storage failed; reconnect');
  }
}

/** A sealed-space frame, framed as a WebSocket message. */
function framed(message: Parameters<typeof encodeRelaySealed>[0]): FramedMessages {
  return frameBinary(encodeRelaySealed(message));
}
