/**
 * A plain space's document, held in memory while anyone has it open: its Y.Doc, presence, and the peers
 * connected to it, speaking the y-websocket sync and awareness protocol. Every update a writer sends is checked whole (update-check.ts), applied, durably stored, and only then
 * forwarded. One that integrated whole is stored and forwarded as sent (re-encoding it would cost every edit
 * CPU for the same bytes); otherwise what it changed is encoded from the document, and what Yjs could not
 * integrate for lack of dependencies is held for its sender (held-updates.ts), never stored.
 *
 * A frame from a peer can only ever fail that peer: only a storage failure fails the document.
 *
 * With other relays on the same storage (fanout/fan-out.ts), what this relay stores it publishes after
 * storing it; what others stored arrives as `stored` and is applied and forwarded to this relay's peers
 * (never stored again; a duplicate changes nothing and is not forwarded). Presence crosses the same way.
 * When the fan-out may have lost something, the document reads storage and applies what it lacks. A
 * snapshot never claims a seq whose update the copy does not hold: it covers the seqs heard without a gap
 * (heard-seqs.ts), and storage is read first only when a gap has kept that from moving on.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as Y from 'yjs';
import { CloseCode, MessageTag, ProtocolViolation } from '@enclave/shared';
import type { DocumentChannel, DocumentListener, FanOut, StoredUpdate } from '../fanout/fan-out.js';
import { EarlyMessages } from '../fanout/early-messages.js';
import type { Logger } from '../observability/logger.js';
import type { RelayMetrics } from '../observability/metrics.js';
import { type DocumentRecord, type Storage, StorageUnavailable } from '../storage/storage.js';
import { stampAwarenessUpdate } from './awareness-stamp.js';
import type { DocumentPeer } from './document-peer.js';
import type { RelayDocument } from './relay-document.js';
import { rebuildDocument, storeRebuilt, takePending } from './document-rebuild.js';
import { HeardSeqs } from './heard-seqs.js';
import { HeldUpdates, type HeldLimits } from './held-updates.js';
import { findDocumentProblem, findUpdateProblem } from './update-check.js';
import { frameBinary, framedTogether } from '../transport/websocket-frame.js';

const SYNC_STEP1 = 0;
const SYNC_STEP2 = 1;
const SYNC_UPDATE = 2;

export interface YjsDocumentContext {
  readonly storage: Storage;
  readonly metrics: RelayMetrics;
  readonly logger: Logger;
  readonly compactAfterUpdates: number;
  readonly compactAfterMs: number;
  readonly compactPauseMs: number;
  readonly heldLimits: HeldLimits;
  readonly fanOut: FanOut;
}

/** How long a document waits before reading storage again after a catch-up read failed. */
const CATCH_UP_RETRY_MS = 1000;

/** The origin of what another relay stored or said: not a peer of this relay. */
const ELSEWHERE = Symbol('another relay');

/** An update that changes nothing: no structs, no deletions (what a reader's sync step 2 usually is). */
function isEmptyUpdate(update: Uint8Array): boolean {
  return update.length === 2 && update[0] === 0 && update[1] === 0;
}

/** Yjs's own test for whether a transaction produces an update: new structs or deletions. */
function changedAnything(transaction: Y.Transaction): boolean {
  if (transaction.deleteSet.clients.size > 0) return true;
  for (const [client, clock] of transaction.afterState) if (transaction.beforeState.get(client) !== clock) return true;
  return false;
}

export class YjsDocument implements RelayDocument, DocumentListener {
  readonly awareness: awarenessProtocol.Awareness;
  readonly peers = new Set<DocumentPeer>();
  /** Per writer, the leftovers of its updates that wait for dependencies (rare; see held-updates.ts). */
  private readonly held = new Map<DocumentPeer, HeldUpdates>();
  private readonly awarenessOwners = new Map<number, DocumentPeer | typeof ELSEWHERE>();
  /** A catch-up from storage is queued and not yet started: more requests join it. */
  private catchUpQueued = false;
  /** Serialises storage writes and the sends that must follow them. */
  private queue: Promise<void> = Promise.resolve();
  /** Applied and waiting for the next write, with their senders (who do not get their own update back). */
  private unstored: { readonly update: Uint8Array; readonly origin: DocumentPeer | undefined }[] = [];
  /** The queued write that will store `unstored`. */
  private storing: Promise<void> = Promise.resolve();
  /** Tasks enqueued and not yet settled; 0 means a new task may start at once. */
  private pending = 0;
  /** The transaction the last applyUpdate ran (observing afterTransaction is free; 'update' makes Yjs encode). */
  private lastTransaction: Y.Transaction | undefined;
  private storedSinceCompaction = 0;
  private compactTimer: ReturnType<typeof setTimeout> | undefined;
  /** performance.now() of the first update stored since the last compaction, and of the latest. */
  private firstUnsnapshottedAt = 0;
  private lastStoredAt = 0;
  private failed: Error | undefined;
  /** The stored updates this copy holds, by seq: what a snapshot may claim to cover. */
  private readonly heard: HeardSeqs;
  /** The seq the last snapshot from this copy covered (or storage held at load). */
  private snapshotThrough: number;

  private constructor(
    readonly doc: Y.Doc,
    readonly space: string,
    readonly record: DocumentRecord,
    private lastSeq: number,
    private bytes: number,
    private readonly context: YjsDocumentContext,
    private readonly channel: DocumentChannel,
  ) {
    this.heard = new HeardSeqs(lastSeq);
    this.snapshotThrough = lastSeq;
    this.awareness = new awarenessProtocol.Awareness(doc);
    this.awareness.setLocalState(null);
    this.doc.on('afterTransaction', (transaction: Y.Transaction) => {
      this.lastTransaction = transaction;
    });
    this.awareness.on('update', this.onAwarenessChange);
  }

  /**
   * Loads the document from storage. Stored parts that cannot be loaded are set aside (kept in storage for
   * inspection, logged, counted) and the rest is loaded and stored again as one snapshot, in one atomic step.
   */
  static async load(space: string, record: DocumentRecord, context: YjsDocumentContext): Promise<YjsDocument> {
    const early = new EarlyMessages();
    const channel = await context.fanOut.join(space, record.name, early);
    let state;
    try {
      state = await context.storage.loadDocument(space, record.name);
    } catch (error) {
      channel.leave();
      throw error;
    }
    const rebuilt = rebuildDocument(state);
    const { doc, setAside } = rebuilt;
    try {
      let bytes = state.bytes;
      if (setAside.length > 0) {
        context.logger.log('error', 'document loaded without stored parts it could not use; they are set aside', {
          space,
          document: record.name,
          parts: setAside.map((part) => `${part.kind} ${part.seq}: ${part.reason}`),
        });
        for (const part of setAside) context.metrics.setAside.inc({ kind: part.kind });
        bytes = await storeRebuilt(context.storage, space, record.name, rebuilt, state);
      }
      const live = new YjsDocument(doc, space, record, state.lastSeq, bytes, context, channel);
      live.storedSinceCompaction = setAside.length > 0 ? 0 : state.updates.length;
      early.attach(live);
      return live;
    } catch (error) {
      channel.leave();
      doc.destroy(); // nothing else holds it; a failed load must not leave timers or memory behind
      throw error;
    }
  }

  get name(): string {
    return this.record.name;
  }

  /** Approximate stored size: snapshot plus updates since. */
  get storedBytes(): number {
    return this.bytes;
  }

  get peerCount(): number {
    return this.peers.size;
  }

  get isFailed(): boolean {
    return this.failed !== undefined;
  }

  /** Joins a peer: it receives the relay's state vector (sync step 1) and everyone's presence. */
  addPeer(peer: DocumentPeer): void {
    this.peers.add(peer);
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, MessageTag.Sync);
    encoding.writeVarUint(encoder, SYNC_STEP1);
    encoding.writeVarUint8Array(encoder, Y.encodeStateVector(this.doc));
    peer.send(encoding.toUint8Array(encoder));
    this.sendPresenceTo(peer);
  }

  /** Everyone's presence, for a joining peer or one that asked (y-websocket's query awareness). */
  private sendPresenceTo(peer: DocumentPeer): void {
    const states = [...this.awareness.getStates().keys()];
    if (states.length > 0)
      peer.send(this.awarenessFrame(awarenessProtocol.encodeAwarenessUpdate(this.awareness, states)));
  }

  removePeer(peer: DocumentPeer): void {
    if (!this.peers.delete(peer)) return;
    this.held.get(peer)?.clear();
    this.held.delete(peer);
    const owned = [...this.awarenessOwners].filter(([, owner]) => owner === peer).map(([id]) => id);
    owned.forEach((id) => this.awarenessOwners.delete(id));
    if (owned.length > 0) awarenessProtocol.removeAwarenessStates(this.awareness, owned, null);
  }

  receive(peer: DocumentPeer, tag: number, decoder: decoding.Decoder): Promise<void> | void {
    switch (tag) {
      case MessageTag.Sync:
        return this.handleSync(peer, decoder);
      case MessageTag.Awareness:
        return this.handleAwareness(peer, decoding.readVarUint8Array(decoder));
      case MessageTag.QueryAwareness:
        return this.sendPresenceTo(peer);
      default:
        throw new ProtocolViolation(`unknown frame tag ${tag}`);
    }
  }

  /** Handles a y-protocols sync message; resolves once any update in it is stored and forwarded. */
  private handleSync(peer: DocumentPeer, decoder: decoding.Decoder): Promise<void> {
    const type = decoding.readVarUint(decoder);
    switch (type) {
      case SYNC_STEP1: {
        const stateVector = decoding.readVarUint8Array(decoder);
        try {
          Y.decodeStateVector(stateVector);
        } catch {
          throw new ProtocolViolation('malformed state vector');
        }
        // Queued behind pending writes, so nothing unstored is ever sent.
        return this.enqueue(() => {
          const encoder = encoding.createEncoder();
          encoding.writeVarUint(encoder, MessageTag.Sync);
          encoding.writeVarUint(encoder, SYNC_STEP2);
          encoding.writeVarUint8Array(encoder, Y.encodeStateAsUpdate(this.doc, stateVector));
          peer.send(encoding.toUint8Array(encoder));
        }, 'peer');
      }
      case SYNC_STEP2:
      case SYNC_UPDATE:
        return this.applyUpdate(peer, decoding.readVarUint8Array(decoder));
      default:
        throw new ProtocolViolation(`unknown sync message ${type}`);
    }
  }

  private handleAwareness(peer: DocumentPeer, update: Uint8Array): void {
    const stamped = stampAwarenessUpdate(update, peer.user, (id) => {
      const owner = this.awarenessOwners.get(id);
      return owner === undefined || owner === peer;
    });
    if (!stamped) return;
    // Ownership is taken only for ids this peer actually set, after the update decoded cleanly.
    const decoder = decoding.createDecoder(stamped);
    for (let n = decoding.readVarUint(decoder); n > 0; n--) {
      this.awarenessOwners.set(decoding.readVarUint(decoder), peer);
      decoding.readVarUint(decoder);
      decoding.readVarString(decoder);
    }
    awarenessProtocol.applyAwarenessUpdate(this.awareness, stamped, peer);
  }

  /** Resolves once everything queued so far is stored (and forwarded). */
  drain(): Promise<void> {
    return this.enqueue(() => undefined, 'peer');
  }

  persist(): Promise<void> {
    return this.compact();
  }

  /** Folds the stored updates into one snapshot (on one relay at a time, when there are several). */
  compact(): Promise<void> {
    return this.enqueue(async () => {
      clearTimeout(this.compactTimer);
      this.compactTimer = undefined;
      if (this.storedSinceCompaction === 0) return;
      const { fanOut } = this.context;
      if (!fanOut.shared) return this.writeSnapshot(this.lastSeq);
      const ran = await fanOut.exclusive(`compact:${this.space}/${this.name}`, async () => {
        // Others store into this document too: the snapshot claims only seqs this copy holds, every one
        // through `heard.through`. Storage is read (and applied) first only when a gap stopped that from
        // moving on since the last snapshot: a lost message the fan-out did not notice must not hold
        // compaction back for ever.
        const heard = this.heard.through;
        const through = heard > this.snapshotThrough || this.heard.complete ? heard : await this.catchUp();
        await this.writeSnapshot(through);
      });
      if (!ran) this.storedSinceCompaction = 0; // another relay is compacting it now
    }, 'storage');
  }

  private async writeSnapshot(throughSeq: number): Promise<void> {
    // What the relay stores it must be able to load: a snapshot that would not load stays unwritten, and
    // the update log it would have replaced stays as it is.
    const problem = findDocumentProblem(this.doc);
    if (problem) {
      this.context.metrics.compactionsRefused.inc();
      this.context.logger.log('error', 'compaction refused: the snapshot would not load', {
        space: this.space,
        document: this.name,
        problem,
      });
      return;
    }
    const snapshot = Y.encodeStateAsUpdate(this.doc);
    // False: another relay's snapshot already covers as much; its own updates since stay in the log.
    if (await this.context.storage.compactDocument(this.space, this.name, snapshot, throughSeq)) {
      this.context.metrics.compactions.inc();
    }
    this.storedSinceCompaction = 0;
    this.bytes = snapshot.length;
    this.snapshotThrough = Math.max(this.snapshotThrough, throughSeq);
  }

  // ---------------------------------------------------------------- from other relays (fan-out)

  /**
   * Another relay stored `updates` (one storage call): apply them here in one transaction and forward them
   * to this relay's peers. Not checked again (update-check.ts): the relay that stored them checked them, and
   * the fan-out delivers only what a relay of this service sent (RedisFanOut drops any message that does not
   * carry the relays' HMAC; SECURITY.md, "Several relays").
   */
  stored(updates: readonly StoredUpdate[]): void {
    if (this.failed || this.doc.isDestroyed) return;
    const whole = this.applyFromElsewhere(() => {
      for (const update of updates) Y.applyUpdate(this.doc, update.bytes, ELSEWHERE);
    }, updates);
    // What did not integrate whole is not held here: the catch-up it set off fills the gap it leaves.
    if (whole) for (const update of updates) this.heard.add(update.seq);
  }

  /** Plain documents are compacted by relays, from their own copy: nothing to take from another's. */
  compacted(): void {}

  presence(update: Uint8Array): void {
    if (this.failed || this.doc.isDestroyed) return;
    try {
      // Ids another relay's peers set are theirs: no peer of this relay may take them over (and one that
      // a peer here owns is not another relay's to change).
      const decoder = decoding.createDecoder(update);
      const states = new Map<number, boolean>();
      for (let n = decoding.readVarUint(decoder); n > 0; n--) {
        const id = decoding.readVarUint(decoder);
        decoding.readVarUint(decoder);
        states.set(id, decoding.readVarString(decoder) !== 'null');
        const owner = this.awarenessOwners.get(id);
        if (owner !== undefined && owner !== ELSEWHERE) return;
      }
      for (const [id, present] of states) {
        if (present) this.awarenessOwners.set(id, ELSEWHERE);
        else this.awarenessOwners.delete(id);
      }
      awarenessProtocol.applyAwarenessUpdate(this.awareness, update, ELSEWHERE);
    } catch (error) {
      this.context.logger.log('warn', 'presence from another relay did not apply', { error: String(error) });
    }
  }

  /** Another relay loaded this document: it gets the presence of this relay's peers (stamped already). */
  presenceWanted(): void {
    if (this.failed || this.doc.isDestroyed) return;
    const mine = [...this.awarenessOwners].filter(([, owner]) => owner !== ELSEWHERE).map(([id]) => id);
    const present = mine.filter((id) => this.awareness.getStates().has(id));
    if (present.length > 0)
      this.channel.publishPresence(awarenessProtocol.encodeAwarenessUpdate(this.awareness, present));
  }

  /**
   * The fan-out may have lost something: read storage and apply what this copy lacks. Only a read: when it
   * fails (a relay whose Redis link came back sends every document here at once, and a busy pool can make
   * them wait past its limit) this copy is behind, not ahead of storage, so the document is not failed for
   * it (which would cut its peers off); the catch-up is tried again a moment later.
   */
  missed(): void {
    if (this.catchUpQueued || this.failed) return;
    this.catchUpQueued = true;
    this.enqueue(() => this.catchUp().then(() => undefined), 'peer').catch(() => {
      if (this.failed || this.doc.isDestroyed) return;
      setTimeout(() => this.missed(), CATCH_UP_RETRY_MS).unref();
    });
  }

  /** Applies what storage holds and this copy lacks, forwarding only that; resolves with storage's last seq. */
  private async catchUp(): Promise<number> {
    this.catchUpQueued = false;
    const state = await this.context.storage.loadDocument(this.space, this.name);
    if (this.doc.isDestroyed) return state.lastSeq;
    this.applyFromElsewhere(() => {
      if (state.snapshot) Y.applyUpdate(this.doc, state.snapshot, ELSEWHERE);
      for (const update of state.updates) Y.applyUpdate(this.doc, update, ELSEWHERE);
    }, undefined);
    this.heard.caughtUp(state.lastSeq);
    return state.lastSeq;
  }

  /**
   * Applies what another relay stored and sends what it changed to every peer here: `updates` as they came
   * when they integrated whole (each peer gets them in one write), else the difference. Stored updates build
   * only on stored ones, which arrive first; if one did not (its dependency came by a catch-up), what waits
   * is dropped and storage read again. True when `updates` integrated whole.
   */
  private applyFromElsewhere(apply: () => void, updates: readonly StoredUpdate[] | undefined): boolean {
    this.lastTransaction = undefined;
    let threw = false;
    try {
      this.doc.transact(apply, ELSEWHERE);
    } catch (error) {
      threw = true;
      this.context.logger.log('error', 'an update another relay stored did not apply', { error: String(error) });
    }
    const transaction = this.lastTransaction as Y.Transaction | undefined;
    this.lastTransaction = undefined;
    const pending = takePending(this.doc);
    const whole = updates !== undefined && !threw && pending.parts.length === 0;
    // A catch-up applies all of storage: what it leaves pending was stored without its dependencies, and
    // reading again would not help (a load sets such parts aside).
    if (updates !== undefined && !whole) this.missed();
    if (transaction === undefined || !changedAnything(transaction)) return whole;
    // A duplicate in a group that changed something is forwarded too: clients ignore it as Yjs does.
    if (whole) this.sendUpdates(updates.map((update) => ({ update: update.bytes, origin: undefined })));
    else {
      // The state before is the transaction's own (no state vector encoded up front for every message).
      const since = Y.encodeStateVector(transaction.beforeState);
      this.sendUpdates([{ update: Y.encodeStateAsUpdate(this.doc, since), origin: undefined }]);
    }
    return whole;
  }

  destroy(): void {
    this.channel.leave();
    clearTimeout(this.compactTimer);
    for (const held of this.held.values()) held.clear();
    this.held.clear();
    this.awareness.destroy();
    this.doc.destroy();
  }

  private applyUpdate(peer: DocumentPeer, update: Uint8Array): Promise<void> {
    if (!peer.canWrite) {
      if (!isEmptyUpdate(update)) {
        this.context.metrics.updatesDropped.inc({ reason: 'read-only' });
        peer.noticeReadOnly();
      }
      return Promise.resolve();
    }
    if (this.failed) return Promise.reject(this.failed);
    const problem = findUpdateProblem(update);
    if (problem) {
      this.context.metrics.updatesDropped.inc({ reason: 'malformed' });
      return Promise.reject(new ProtocolViolation(`invalid document update: ${problem}`));
    }
    const stored = this.integrate(peer, update);
    if (this.held.size > 0) this.retryHeld(peer);
    return stored;
  }

  /**
   * Applies `update` (if any) and what `peer` has held, in one transaction; stores and forwards what
   * changed; holds for `peer` what is still missing dependencies.
   */
  private integrate(peer: DocumentPeer, update: Uint8Array | undefined): Promise<void> {
    const held = this.held.get(peer);
    const retried = held?.take() ?? [];
    this.lastTransaction = undefined;
    let invalid: unknown;
    try {
      this.doc.transact(() => {
        if (update) Y.applyUpdate(this.doc, update, peer);
        for (const part of retried) Y.applyUpdateV2(this.doc, part, peer);
      }, peer);
    } catch (error) {
      // Checked updates do not throw in Yjs; should one, what it integrated is kept and the sender closed.
      invalid = error;
    }
    // Taken out before anything is encoded: Yjs appends pending structs to every encoding of the document.
    const pending = takePending(this.doc);
    const transaction = this.lastTransaction as Y.Transaction | undefined;
    this.lastTransaction = undefined;
    if (pending.parts.length > 0 || held) this.holdFor(peer).hold(pending);
    let stored = Promise.resolve();
    if (transaction !== undefined && changedAnything(transaction)) {
      if (update && invalid === undefined && retried.length === 0 && pending.parts.length === 0) {
        stored = this.persistAndForward(update, peer);
      } else {
        // Only part of it integrated, or held parts came along: what changed goes to everyone, sender too.
        const since = Y.encodeStateVector(transaction.beforeState);
        stored = this.persistAndForward(Y.encodeStateAsUpdate(this.doc, since), undefined);
      }
    }
    if (invalid === undefined) return stored;
    this.context.metrics.updatesDropped.inc({ reason: 'malformed' });
    return stored.then(() => Promise.reject(new ProtocolViolation('malformed document update')));
  }

  /** The document gained content: held updates of other peers that waited for it may now integrate. */
  private retryHeld(except: DocumentPeer): void {
    for (const [peer, held] of [...this.held]) {
      if (peer !== except && !held.isEmpty && held.mayResolve(this.doc)) {
        this.integrate(peer, undefined).catch(() => undefined); // a storage failure has failed the document
      }
    }
  }

  private holdFor(peer: DocumentPeer): HeldUpdates {
    let held = this.held.get(peer);
    if (!held) {
      held = new HeldUpdates(this.context.heldLimits, (why) => {
        this.held.delete(peer);
        this.context.metrics.updatesDropped.inc({ reason: 'missing-dependencies' });
        this.context.logger.log('info', 'updates still missing dependencies; the sender must sync again', {
          space: this.space,
          document: this.name,
          why,
        });
        peer.close(CloseCode.MissingDependencies, 'your updates build on content the relay lacks: sync again');
      });
      this.held.set(peer, held);
    }
    return held;
  }

  /**
   * Stores `update` and then forwards it. Updates that arrive while this document's last write is in flight
   * wait for the next one together and are stored in one call (all or none): a slow commit then costs one
   * round trip per batch, not per edit, and a busy document cannot fall ever further behind its writers.
   */
  private persistAndForward(update: Uint8Array, origin: DocumentPeer | undefined): Promise<void> {
    this.unstored.push({ update, origin });
    // The first one waiting queues the write; the write takes everything waiting when it starts.
    if (this.unstored.length === 1) this.storing = this.enqueue(() => this.storeWaiting(), 'storage');
    return this.storing;
  }

  private async storeWaiting(): Promise<void> {
    const batch = this.unstored;
    this.unstored = [];
    const seqs = await this.context.storage.appendUpdates(
      this.space,
      this.name,
      batch.map((b) => b.update),
    );
    this.forward(batch, seqs);
  }

  /** Runs once `batch` is stored: only now may anyone see it. One message to the other relays for all of it. */
  private forward(batch: readonly { update: Uint8Array; origin: DocumentPeer | undefined }[], seqs: number[]): void {
    const stored: StoredUpdate[] = [];
    batch.forEach(({ update }, i) => {
      const seq = seqs[i]!;
      this.lastSeq = seq;
      this.bytes += update.length;
      this.heard.add(seq);
      stored.push({ seq, bytes: update });
    });
    const crossed = this.storedSinceCompaction < this.context.compactAfterUpdates;
    this.storedSinceCompaction += batch.length;
    this.context.metrics.hot.updatesStored += batch.length;
    this.sendUpdates(batch);
    this.channel.publishStored(stored);
    this.lastStoredAt = performance.now();
    const { compactAfterUpdates } = this.context;
    if (this.storedSinceCompaction >= 2 * compactAfterUpdates) this.compactInBackground();
    else if (this.compactTimer === undefined || (crossed && this.storedSinceCompaction >= compactAfterUpdates)) {
      // Past compactAfterUpdates the wait shrinks to a pause in typing: compacting a large document holds the
      // event loop for tens of ms, which people notice mid-edit (or joining) and not once everyone has paused.
      if (this.compactTimer === undefined) this.firstUnsnapshottedAt = this.lastStoredAt;
      clearTimeout(this.compactTimer);
      this.scheduleCompaction(this.quietNeededMs());
    }
  }

  /**
   * Sends each update to every peer but its origin: each framed once for all of them, a peer's several
   * updates in one write.
   */
  private sendUpdates(updates: readonly { update: Uint8Array; origin: DocumentPeer | undefined }[]): void {
    const frames = updates.map(({ update }) => {
      const encoder = encoding.createEncoder();
      encoding.writeVarUint(encoder, MessageTag.Sync);
      encoding.writeVarUint(encoder, SYNC_UPDATE);
      encoding.writeVarUint8Array(encoder, update);
      return frameBinary(encoding.toUint8Array(encoder));
    });
    for (const peer of this.peers) {
      const mine = frames.filter((_, i) => updates[i]!.origin !== peer);
      if (mine.length === 1) peer.sendFramed(mine[0]!);
      else if (mine.length > 1) peer.sendFramed(framedTogether(mine));
    }
  }

  /** How long the document must go without edits before it is compacted. */
  private quietNeededMs(): number {
    const { compactAfterUpdates, compactAfterMs, compactPauseMs } = this.context;
    return this.storedSinceCompaction >= compactAfterUpdates ? compactPauseMs : compactAfterMs;
  }

  /** One timer per document, re-armed when it fires too early, rather than reset on every edit. */
  private scheduleCompaction(delayMs: number): void {
    this.compactTimer = setTimeout(() => {
      const now = performance.now();
      const quietFor = now - this.lastStoredAt;
      const quietNeeded = this.quietNeededMs();
      const deadline = this.firstUnsnapshottedAt + 10 * this.context.compactAfterMs;
      if (quietFor >= quietNeeded || now >= deadline) this.compactInBackground();
      else this.scheduleCompaction(Math.min(quietNeeded - quietFor, deadline - now));
    }, delayMs);
    this.compactTimer.unref();
  }

  /** A failed compaction has already closed the peers (fail()); nothing more to do with it here. */
  private compactInBackground(): void {
    void this.compact().catch(() => undefined);
  }

  /**
   * Runs `task` after every task before it has settled: at once when none is pending. A failed 'storage'
   * task fails the document (memory may be ahead of storage); a failed 'peer' task fails only its caller.
   */
  private enqueue(task: () => void | Promise<void>, kind: 'storage' | 'peer'): Promise<void> {
    const start = (): void | Promise<void> => {
      if (this.failed) throw this.failed;
      return task();
    };
    let run: Promise<void>;
    if (this.pending++ === 0) {
      try {
        run = Promise.resolve(start());
      } catch (error) {
        run = Promise.reject(error);
      }
    } else run = this.queue.then(start);
    this.queue = run.then(this.settled, kind === 'storage' ? this.settledWithError : this.settled);
    return run;
  }

  private readonly settled = (): void => {
    this.pending--;
  };

  private readonly settledWithError = (error: unknown): void => {
    this.pending--;
    this.fail(error);
  };

  /**
   * Storage failed: what is in memory may now be ahead of what is stored. Close every peer so that they
   * reconnect to a copy reloaded from storage and resend what it lacks; nothing acknowledged is lost.
   */
  private fail(error: unknown): void {
    if (this.failed) return;
    this.failed = error instanceof Error ? error : new Error(String(error));
    this.context.logger.log('error', 'document storage failed; disconnecting its peers', {
      space: this.space,
      document: this.name,
      error: this.failed.message,
    });
    const reason = this.failed instanceof StorageUnavailable ? 'storage unavailable' : 'storage failed';
    for (const peer of [...this.peers]) peer.close(CloseCode.InternalError, `${reason}; reconnect`);
  }

  private readonly onAwarenessChange = (
    changes: { added: number[]; updated: number[]; removed: number[] },
    origin: unknown,
  ): void => {
    const changed = changes.added.concat(changes.updated, changes.removed);
    if (changed.length === 0) return;
    for (const id of changes.removed) if (this.awarenessOwners.get(id) === ELSEWHERE) this.awarenessOwners.delete(id);
    const update = awarenessProtocol.encodeAwarenessUpdate(this.awareness, changed);
    const frame = this.awarenessFrame(update);
    for (const peer of this.peers) if (peer !== origin) peer.send(frame);
    // What this relay's peers said (or their leaving) goes to the others; states timed out here are
    // timed out by each relay itself, and what came from elsewhere is not sent back.
    if (origin !== ELSEWHERE && origin !== 'timeout') this.channel.publishPresence(update);
  };

  private awarenessFrame(update: Uint8Array): Uint8Array {
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, MessageTag.Awareness);
    encoding.writeVarUint8Array(encoder, update);
    return encoding.toUint8Array(encoder);
  }
}
