/**
 * A raw WebSocket client that records every frame the relay sends it, so security tests can assert on the
 * wire what an unadmitted client received (not infer it from a client library's state).
 */
import * as decoding from 'lib0/decoding';
import WebSocket from 'ws';
import {
  answerChallenge,
  type ChallengeMessage,
  decodeServerMessage,
  encodeClientMessage,
  type FromServerMessage,
  type Identity,
  importSigningKey,
  MessageTag,
  readTag,
} from '@enclave/shared';
import { waitFor } from './wait.js';

export interface CloseRecord {
  readonly code: number;
  readonly reason: string;
}

export class WireRecorder {
  readonly frames: Uint8Array[] = [];
  closeRecord: CloseRecord | undefined;
  readonly socket: WebSocket;

  private constructor(url: string, options: WebSocket.ClientOptions) {
    this.socket = new WebSocket(url, options);
    this.socket.on('message', (data: Buffer) => this.frames.push(new Uint8Array(data)));
    this.socket.on('close', (code, reason) => {
      this.closeRecord = { code, reason: reason.toString() };
    });
    this.socket.on('error', () => undefined);
  }

  /** `autoPong: false` makes a client that does not answer the relay's WebSocket pings. */
  static async open(url: string, options: WebSocket.ClientOptions = {}): Promise<WireRecorder> {
    const recorder = new WireRecorder(url, options);
    await waitFor(() => recorder.frames.length > 0 || recorder.closeRecord !== undefined, 'first frame');
    return recorder;
  }

  /** Opens `room` (space/document) on the relay at `url` as `identity`, and waits until it is admitted. */
  static async admitted(
    url: string,
    identity: Identity,
    room: string,
    options: WebSocket.ClientOptions = {},
  ): Promise<WireRecorder> {
    const recorder = await WireRecorder.open(`${url}/${room}`, options);
    const answer = await answerChallenge(recorder.challenge, identity, await importSigningKey(identity), room, 1);
    recorder.send(encodeClientMessage(answer));
    await waitFor(() => recorder.messages().some((m) => m.type === 'welcome'), 'welcome');
    return recorder;
  }

  send(bytes: Uint8Array): void {
    this.socket.send(bytes);
  }

  get challenge(): ChallengeMessage {
    const first = this.messages()[0];
    if (first?.type !== 'challenge') throw new Error('the first frame was not a challenge');
    return first;
  }

  /** Tags of every frame received, in order. */
  tags(): number[] {
    return this.frames.map((f) => readTag(decoding.createDecoder(f)));
  }

  /** Frames that carry document content or presence. */
  documentFrames(): Uint8Array[] {
    return this.frames.filter((f) => {
      const tag = readTag(decoding.createDecoder(f));
      return tag === MessageTag.Sync || tag === MessageTag.Awareness;
    });
  }

  messages(): FromServerMessage[] {
    return this.frames.flatMap((f) => {
      const decoder = decoding.createDecoder(f);
      return readTag(decoder) === MessageTag.Enclave ? [decodeServerMessage(decoder)] : [];
    });
  }

  /** Whether any received byte sequence contains `text` (UTF-8). */
  received(text: string): boolean {
    const needle = Buffer.from(text, 'utf8');
    return this.frames.some((f) => Buffer.from(f).includes(needle));
  }

  async closed(timeoutMs = 10_000): Promise<CloseRecord> {
    await waitFor(() => this.closeRecord !== undefined, 'connection closed', timeoutMs);
    return this.closeRecord!;
  }

  close(): void {
    this.socket.terminate();
  }
}
