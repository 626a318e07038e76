/**
 * The fan-out seam: how what one relay stores and hears reaches the other relays that serve the same
 * space. Two implementations: LocalFanOut (one relay, nothing leaves the process: today's behaviour and
 * cost) and RedisFanOut (several relays on one storage, Redis pub/sub between them).
 *
 * The rules every implementation keeps:
 * - Storage is the truth, the fan-out only a fast path. A relay publishes an update only after storing it,
 *   with its storage sequence number; a relay that receives one applies it to its loaded copy and forwards
 *   it to its own peers without storing it again. "Stored before forwarded" holds on every relay.
 * - Only relays speak on the fan-out: an implementation that crosses a network authenticates what it
 *   receives (RedisFanOut: an HMAC under the relays' shared key) and drops what it cannot authenticate, so
 *   what reaches a listener was checked and stored by a relay.
 * - Pub/sub is lossy. When an implementation cannot vouch that a document's channel delivered everything
 *   (a publisher's message counter jumped, the connection to Redis was lost and came back), it calls
 *   `missed()` and the document catches up from storage. Documents tolerate duplicates (a Yjs update is
 *   idempotent; a sealed entry is kept once by seq), so catching up too often costs a read, never an edit.
 * - Governance (revocations, role changes, agreements, request decisions, epoch rotations) is announced to
 *   every relay, which acts on its own connections.
 */
import type { AgreementInfo, PublicKeyText, SpaceEvent } from '@enclave/shared';
import type { MemberRecord } from '../storage/storage.js';

/** An update (plain: a Yjs update; sealed: an envelope) as storage numbered it. */
export interface StoredUpdate {
  readonly seq: number;
  readonly bytes: Uint8Array;
}

/** What another relay sent on a document's channel. */
export interface DocumentListener {
  /** Updates another relay stored with one storage call, in seq order (one message for the group). */
  stored(updates: readonly StoredUpdate[]): void;
  /** A snapshot another relay stored, covering the log through `seq` (sealed logs: clients compact). */
  compacted(seq: number, bytes: Uint8Array): void;
  /** Presence from another relay's peers, already stamped by that relay (an awareness update or envelope). */
  presence(bytes: Uint8Array): void;
  /**
   * Another relay has just loaded the document and knows nothing of the presence of this relay's peers
   * (peers renew theirs only every 15 s): publish it now.
   */
  presenceWanted(): void;
  /** Something may have been lost on the way: read what storage has and apply what is missing. */
  missed(): void;
}

/** This relay's membership of one document's channel, while the document is loaded here. */
export interface DocumentChannel {
  /** What one storage call stored, in order: the others receive it as one message. */
  publishStored(updates: readonly StoredUpdate[]): void;
  publishCompacted(seq: number, bytes: Uint8Array): void;
  publishPresence(bytes: Uint8Array): void;
  leave(): void;
}

/** Governance that must act on connections wherever they are. JSON on the wire. */
export type GovernanceSignal =
  | {
      readonly kind: 'membership';
      readonly space: string;
      readonly publicKey: PublicKeyText;
      readonly member: MemberRecord | null;
    }
  | {
      readonly kind: 'space-event';
      readonly space: string;
      readonly event: SpaceEvent | { kind: 'agreement-changed'; agreement: AgreementInfo };
    }
  | { readonly kind: 'epoch'; readonly space: string; readonly epoch: number };

export interface FanOutHealth {
  /** 'local': no other relays; 'up'/'down': the link to the other relays. */
  readonly state: 'local' | 'up' | 'down';
  /** Latest round trip to the broker (ms), when there is one. */
  readonly latencyMs?: number;
}

export interface FanOut {
  /** Whether other relays may store into the same documents (documents then check storage before compacting). */
  readonly shared: boolean;
  /**
   * Joins a document's channel. Resolves once messages published from now on will reach `listener`; the
   * caller loads the document from storage only after that, so nothing falls between load and subscription.
   */
  join(space: string, document: string, listener: DocumentListener): Promise<DocumentChannel>;
  /** Sends a governance signal to the other relays (this relay acts on its own connections itself). */
  announce(signal: GovernanceSignal): void;
  /** Called for each governance signal another relay announced. */
  onSignal(handler: (signal: GovernanceSignal) => void): void;
  /** Called when signals may have been lost: the relay re-checks its connections' access against storage. */
  onResync(handler: () => void): void;
  /**
   * Runs `task` unless another relay runs a task under the same key now; resolves false when it did not
   * run. Compaction uses it so that one relay at a time snapshots a document (storage's compare-and-set
   * keeps it safe regardless; this saves the work).
   */
  exclusive(key: string, task: () => Promise<void>): Promise<boolean>;
  /**
   * Counts one more event under `key` in the current window of `windowMs`, across relays; resolves with
   * the count so far (this one included), or undefined when only this relay counts (LocalFanOut, or the
   * broker did not answer): the caller's own count then decides.
   */
  count(key: string, windowMs: number): Promise<number | undefined>;
  health(): FanOutHealth;
  close(): Promise<void>;
}
