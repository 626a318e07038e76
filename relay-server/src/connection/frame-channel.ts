/**
 * The transport under one client connection: binary frames only, a per-connection rate limit, and frames
 * processed one at a time in arrival order, except those the owner takes at once when nothing is queued
 * (a member's edits: the document's own queue keeps those in order). Any failure while processing a frame
 * reaches the owner, which closes this connection only.
 */
import type { WebSocket } from 'ws';
import { CloseCode } from '@enclave/shared';
import type { RelayMetrics } from '../observability/metrics.js';
import { RateLimiter } from './rate-limiter.js';
import type { FramedMessages } from '../transport/websocket-frame.js';

export interface FrameHandler {
  /** Handles `bytes` at once if it may skip the queue; false to have it queued instead. */
  takeAtOnce(bytes: Uint8Array): boolean;
  /** Handles one queued frame; the next waits until this settles. */
  process(bytes: Uint8Array): Promise<void> | void;
  /** Processing a frame threw or rejected. */
  failed(error: unknown): void;
  /** The socket closed, for whatever reason. */
  closed(code: number): void;
}

const WS_OPEN = 1;

/** The TCP socket under the WebSocket (the upgrade's), for messages framed once for several peers. */
export interface RawStream {
  write(bytes: Uint8Array): boolean;
}

export class FrameChannel {
  private readonly rate: RateLimiter;
  private queue: Promise<void> = Promise.resolve();
  /** Frames waiting in `queue`; 0 lets a frame be taken at once. */
  private queued = 0;
  private isClosed = false;

  constructor(
    private readonly socket: WebSocket,
    private readonly stream: RawStream,
    limits: { readonly messagesPerSecond: number; readonly messageBurst: number },
    private readonly metrics: RelayMetrics,
    private readonly handler: FrameHandler,
    onSocketError: (error: Error) => void,
  ) {
    this.rate = new RateLimiter(limits.messagesPerSecond, limits.messageBurst);
    socket.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    socket.on('close', (code) => {
      this.isClosed = true;
      handler.closed(code);
    });
    socket.on('error', onSocketError);
  }

  get closed(): boolean {
    return this.isClosed;
  }

  send(frame: Uint8Array): void {
    if (this.socket.readyState === WS_OPEN) this.socket.send(frame);
  }

  /** Writes messages framed already (transport/websocket-frame.ts) to the socket as they are: one system call. */
  sendFramed(wire: FramedMessages): void {
    if (this.socket.readyState === WS_OPEN) this.stream.write(wire);
  }

  close(code: number, reason: string): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.socket.close(code, reason.slice(0, 120));
  }

  private onMessage(data: unknown, isBinary: boolean): void {
    if (this.isClosed) return;
    if (!isBinary) return this.close(CloseCode.ProtocolError, 'text frames are not part of the protocol');
    if (!this.rate.take()) {
      this.metrics.closes.inc({ code: String(CloseCode.RateLimited) });
      return this.close(CloseCode.RateLimited, 'too many messages');
    }
    const bytes = toBytes(data);
    this.metrics.hot.bytesReceived += bytes.length;
    if (this.queued === 0) {
      try {
        if (this.handler.takeAtOnce(bytes)) return;
      } catch (error) {
        return this.handler.failed(error);
      }
    }
    this.queued++;
    this.queue = this.queue
      .then(() => (this.isClosed ? undefined : this.handler.process(bytes)))
      .catch(this.failed)
      .finally(() => this.queued--);
  }

  private readonly failed = (error: unknown): void => this.handler.failed(error);
}

function toBytes(data: unknown): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data as Buffer[]));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  const buffer = data as Buffer;
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}
