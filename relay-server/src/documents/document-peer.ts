/**
 * What a live document needs from a connection that joined it.
 */
import type { StampedUser } from '@enclave/shared';
import type { FramedMessages } from '../transport/websocket-frame.js';

export interface DocumentPeer {
  /** Whether document updates from this peer are accepted (editors and leads). */
  readonly canWrite: boolean;
  /** The identity stamped into this peer's awareness states. */
  readonly user: StampedUser;
  /** The protocol version the peer's connection speaks (shared/src/protocol/version.ts). */
  readonly protocol: number;
  send(frame: Uint8Array): void;
  /**
   * Writes messages framed once for every receiver (transport/websocket-frame.ts) as they are: one system
   * call, no framing per peer.
   */
  sendFramed(wire: FramedMessages): void;
  /** Tells the peer, at most now and then, that its edit was dropped because it may only read. */
  noticeReadOnly(): void;
  /** Closes the peer's connection (storage failure, revocation). */
  close(code: number, reason: string): void;
}
