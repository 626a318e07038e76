/**
 * A byte-level admitted member: a bare `ws` socket that answers the challenge and then sends whatever the
 * scenario hands it. It keeps no frames (a fuzzer sends millions), only counts, and the close code.
 */
import * as decoding from 'lib0/decoding';
import WebSocket from 'ws';
import {
  answerChallenge,
  type ChallengeMessage,
  decodeServerMessage,
  encodeClientMessage,
  type Identity,
  importSigningKey,
  MessageTag,
  PROTOCOL_VERSION,
} from '@enclave/shared';

const signingKeys = new WeakMap<Identity, Promise<CryptoKey>>();

/** One import per identity: thousands of connections share a handful of keys. */
export function signingKeyOf(identity: Identity): Promise<CryptoKey> {
  let key = signingKeys.get(identity);
  if (!key) signingKeys.set(identity, (key = importSigningKey(identity)));
  return key;
}

export class RawMember {
  closeCode: number | undefined;
  framesReceived = 0;
  private nextRequestId = 1;
  private readonly pending = new Map<number, () => void>();
  private constructor(readonly socket: WebSocket) {}

  /**
   * Connects to `url`/`room`, authenticates, and resolves once welcomed; rejects if the relay closes
   * first or nothing happens within `timeoutMs`.
   */
  static async admitted(url: string, identity: Identity, room: string, timeoutMs = 20_000): Promise<RawMember> {
    const socket = new WebSocket(`${url}/${room}`, { perMessageDeflate: false });
    const member = new RawMember(socket);
    socket.on('error', () => undefined);
    socket.on('close', (code) => (member.closeCode = code));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error(`no welcome within ${timeoutMs} ms`)), timeoutMs);
      const onClose = (code: number): void => fail(new Error(`closed with ${code} before the welcome`));
      const onMessage = (data: Buffer): void => {
        member.framesReceived++;
        const decoder = decoding.createDecoder(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
        if (decoding.readVarUint(decoder) !== MessageTag.Enclave) return;
        const message = decodeServerMessage(decoder);
        if (message.type === 'challenge') void answer(message).catch(fail);
        else if (message.type === 'welcome') done();
      };
      const answer = async (challenge: ChallengeMessage): Promise<void> => {
        const signed = await answerChallenge(challenge, identity, await signingKeyOf(identity), room, PROTOCOL_VERSION);
        if (socket.readyState === WebSocket.OPEN) socket.send(encodeClientMessage(signed));
      };
      function done(): void {
        clearTimeout(timer);
        socket.off('message', onMessage);
        socket.off('close', onClose);
        socket.on('message', (data: Buffer) => member.onFrame(data));
        resolve();
      }
      function fail(error: Error): void {
        clearTimeout(timer);
        socket.off('message', onMessage);
        socket.off('close', onClose);
        socket.terminate();
        reject(error);
      }
      socket.on('message', onMessage);
      socket.on('close', onClose);
    });
    return member;
  }

  /**
   * Asks the relay to flush (answered after every earlier frame on this connection was handled): true once
   * answered, false if the connection closed first or `timeoutMs` passed. A probe of what the relay did.
   */
  flush(timeoutMs: number): Promise<boolean> {
    if (!this.open) return Promise.resolve(false);
    const id = this.nextRequestId++;
    this.socket.send(encodeClientMessage({ type: 'request', id, request: { op: 'flush' } }));
    return new Promise((resolve) => {
      const finish = (answered: boolean): void => {
        clearTimeout(timer);
        this.pending.delete(id);
        this.socket.off('close', onClose);
        resolve(answered);
      };
      const onClose = (): void => finish(false);
      const timer = setTimeout(() => finish(false), timeoutMs);
      this.pending.set(id, () => finish(true));
      this.socket.once('close', onClose);
    });
  }

  private onFrame(data: Buffer): void {
    this.framesReceived++;
    if (data[0] !== MessageTag.Enclave || this.pending.size === 0) return;
    const decoder = decoding.createDecoder(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    decoding.readVarUint(decoder);
    const message = decodeServerMessage(decoder);
    if (message.type === 'response') this.pending.get(message.id)?.();
  }

  get open(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  /** Resolves once the relay (or the network) closed this socket, or after `timeoutMs`. */
  whenClosed(timeoutMs: number): Promise<boolean> {
    if (this.socket.readyState === WebSocket.CLOSED) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.socket.once('close', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  terminate(): void {
    this.socket.terminate();
  }
}
