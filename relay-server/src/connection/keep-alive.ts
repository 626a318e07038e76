/**
 * The relay's keep-alive. Every `intervalMs` each watched socket gets a WebSocket ping (browsers and `ws`
 * answer those by themselves, so old clients are covered); a socket that sent nothing at all (no pong, no
 * frame) for `timeoutMs` is closed with CloseCode.Silent, and dropped at the next sweep if its close frame
 * went unanswered. Clients also send application-level `ping` messages (browsers cannot see WebSocket pings):
 * `isPing` recognises them so the connection can answer `pong` at once.
 */
import * as decoding from 'lib0/decoding';
import type { WebSocket } from 'ws';
import { decodeClientMessage, encodeServerMessage, MessageTag, readTag } from '@enclave/shared';
import type { KeepAliveOptions } from '../config.js';

const WS_CLOSING = 2;

interface Watched {
  lastSeen: number;
  silent: boolean;
  readonly onSilent: () => void;
}

export class KeepAlive {
  private readonly sockets = new Map<WebSocket, Watched>();
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(readonly options: KeepAliveOptions) {
    this.timer = setInterval(() => this.sweep(), options.intervalMs);
    this.timer.unref();
  }

  /** Starts watching a socket; `onSilent` closes it (with CloseCode.Silent) when it has gone quiet. */
  watch(socket: WebSocket, onSilent: () => void): void {
    const watched: Watched = { lastSeen: performance.now(), silent: false, onSilent };
    this.sockets.set(socket, watched);
    const alive = (): void => {
      watched.lastSeen = performance.now();
    };
    socket.on('pong', alive);
    socket.on('message', alive);
    socket.on('close', () => this.sockets.delete(socket));
  }

  stop(): void {
    clearInterval(this.timer);
    this.sockets.clear();
  }

  private sweep(): void {
    const now = performance.now();
    for (const [socket, watched] of this.sockets) {
      if (watched.silent) {
        // Closed for silence a sweep ago and still no close frame back: the peer is gone.
        if (socket.readyState === WS_CLOSING) socket.terminate();
        continue;
      }
      if (now - watched.lastSeen >= this.options.timeoutMs) {
        watched.silent = true;
        watched.onSilent();
        continue;
      }
      socket.ping();
    }
  }
}

/** The relay's answer to a client's `ping`. */
export const PONG_FRAME = encodeServerMessage({ type: 'pong' });

/** Whether a frame is a client's application-level `ping` (any other frame, valid or not, is not). */
export function isPing(bytes: Uint8Array): boolean {
  if (bytes[0] !== MessageTag.Enclave) return false;
  try {
    const decoder = decoding.createDecoder(bytes);
    readTag(decoder);
    return decodeClientMessage(decoder).type === 'ping';
  } catch {
    return false; // left to the connection's own decoding, which closes on garbage
  }
}
