/**
 * What a connection talks to once it has joined a document, whatever the document is made of: the plain
 * Yjs document (yjs-document.ts), where the relay reads and checks every update, or a sealed space's opaque
 * log, where it cannot. The connection knows only this interface; the registry picks the implementation.
 */
import type * as decoding from 'lib0/decoding';
import type { DocumentRecord } from '../storage/storage.js';
import type { DocumentPeer } from './document-peer.js';

export interface RelayDocument {
  readonly space: string;
  readonly name: string;
  /** Peers joined now: the registry lets a document none is left on leave memory. */
  readonly peerCount: number;
  /** Storage failed under it: its peers were closed, and it must be reloaded before use. */
  readonly isFailed: boolean;
  /** Joins a peer: it receives what it needs to start syncing. */
  addPeer(peer: DocumentPeer): void;
  removePeer(peer: DocumentPeer): void;
  /**
   * One document frame from a joined peer, its tag already read. Settles once whatever it changed is stored
   * and forwarded. A bad frame throws or rejects (ProtocolViolation): the sender is closed, nobody else is.
   */
  receive(peer: DocumentPeer, tag: number, decoder: decoding.Decoder): Promise<void> | void;
  /** Settles once everything received so far is stored (the `flush` request). */
  drain(): Promise<void>;
  /** Stores in its final form what only memory holds (compaction), before the document leaves memory. */
  persist(): Promise<void>;
  destroy(): void;
}

/** Loads one document from storage, as the implementation its space calls for. */
export type DocumentLoader = (space: string, record: DocumentRecord) => Promise<RelayDocument>;
