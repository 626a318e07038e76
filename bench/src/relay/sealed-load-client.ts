/**
 * The sealed kind's client for the load phases, where every client of 100 rooms runs on the same two cores
 * as the relay. What it does, as a member's client does: the Ed25519 handshake (EnclaveConnection), keys.mine
 * and the unwrap of the space key (SpaceKeys), creating the document with its sealed name, and sealing every
 * edit it makes (XChaCha20-Poly1305 and an Ed25519 signature, shared's `seal`) before appending it.
 * What it does not do: open (verify and decrypt) the entries it receives, or apply them to its doc. It reads
 * each entry's header, which is not encrypted (author, session, seq), as the frame arrives at the socket and
 * reports it: fan-out latency is then the relay's, not the queue of hundreds of clients' decryptions. That
 * the entries were all stored and valid is checked after the phase by opening the stored log with the real
 * client library (loadgen-process.ts, `verify`).
 */
import type * as decoding from 'lib0/decoding';
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import {
  decodeRelaySealed,
  type DocumentKind,
  EnclaveConnection,
  encodeClientSealed,
  type Identity,
  importSigningKey,
  MessageTag,
  readRawSealedHeader,
  seal,
  SealedKind,
  type Sealer,
  sealName,
  SpaceKeys,
  type WebSocketConstructor,
  type WelcomeMessage,
} from '@enclave/shared';
import type { BenchClient } from './clients.js';
import { BENCH_SPACE } from './ipc.js';

/** Told of each entry of someone else's as it arrives: its author's session and message seq. */
export type ArrivalListener = (session: number, seq: number) => void;

export class SealedLoadClient implements BenchClient {
  readonly doc = new Y.Doc();
  /** This client's session in the headers it seals. */
  readonly headerSession = crypto.getRandomValues(new Uint32Array(1))[0]!;
  /** Local updates so far: update n is sealed as message seq n. */
  updatesMade = 0;
  readonly tampered: string[] = [];
  private readonly connection: EnclaveConnection;
  private readonly keys: SpaceKeys;
  private readonly signingKey: Promise<CryptoKey>;
  /** Sealing is asynchronous (the signature): appends leave in the order they were made. */
  private sending: Promise<void> = Promise.resolve();
  private readonly synced: Promise<void>;
  private resolveSynced!: () => void;
  private rejectSynced!: (error: Error) => void;
  private arrival: ArrivalListener | undefined;
  private closing = false;

  constructor(
    url: string,
    private readonly document: string,
    private readonly identity: Identity,
    private readonly create: DocumentKind | undefined,
    /** The transaction origin of the edits to seal and send. */
    local: symbol,
  ) {
    this.synced = new Promise<void>((resolve, reject) => {
      this.resolveSynced = resolve;
      this.rejectSynced = reject;
    });
    this.synced.catch(() => undefined);
    this.connection = new EnclaveConnection({
      relayUrl: url,
      room: { space: BENCH_SPACE, document },
      identity,
      WebSocket: WebSocket as unknown as WebSocketConstructor,
      reconnect: false,
    });
    this.keys = new SpaceKeys(BENCH_SPACE, identity);
    this.signingKey = importSigningKey(identity);
    this.connection.on('welcome', (welcome) => void this.welcomed(welcome).catch((e: Error) => this.rejectSynced(e)));
    this.connection.on('frame', this.onFrame);
    this.connection.on('closed', () => this.rejectSynced(new Error('closed before sync')));
    this.doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin !== local) return;
      const seq = ++this.updatesMade;
      this.sending = this.sending.then(() => this.append(seq, update)).catch((e: Error) => this.fail(e.message));
    });
    this.connection.connect();
  }

  whenSynced(): Promise<void> {
    return this.synced;
  }

  onArrival(listener: ArrivalListener): void {
    this.arrival = listener;
  }

  onDisconnect(listener: (why: string) => void): void {
    this.connection.on('closed', (info) => {
      if (!this.closing) listener(`${info.code} ${info.reason}`);
    });
  }

  close(): void {
    this.closing = true;
    this.connection.destroy();
    this.keys.destroy();
    this.doc.destroy();
  }

  private async welcomed(welcome: WelcomeMessage): Promise<void> {
    await this.keys.refresh((request) => this.connection.request(request));
    if (!welcome.document) {
      if (!this.create) throw new Error(`no document ${this.document}`);
      const sealedName = await sealName(await this.sealer(), this.document, this.document);
      await this.connection.request({ op: 'document.create', kind: this.create, sealedName });
    }
    this.connection.send(encodeClientSealed({ type: 'fetch', after: 0 }));
  }

  private readonly onFrame = (tag: number, decoder: decoding.Decoder): void => {
    if (tag !== MessageTag.Sealed) return;
    const message = decodeRelaySealed(decoder);
    switch (message.type) {
      case 'log':
        this.resolveSynced();
        return;
      case 'entry': {
        const header = readRawSealedHeader(message.entry.envelope);
        if (header.session !== this.headerSession) this.arrival?.(header.session, header.seq);
        return;
      }
      case 'rejected':
        this.fail(`the relay refused an append: ${message.message}`);
        return;
      default:
        return; // Stored (the relay's acknowledgements) and presence: not measured
    }
  };

  private async append(seq: number, update: Uint8Array): Promise<void> {
    const fields = { kind: SealedKind.Update, session: this.headerSession, seq, document: this.document };
    const envelope = await seal(await this.sealer(), fields, update);
    this.connection.send(encodeClientSealed({ type: 'append', envelope }));
  }

  private async sealer(): Promise<Sealer> {
    const { epoch, key } = this.keys.current();
    return { space: BENCH_SPACE, epoch, key, author: this.identity, signingKey: await this.signingKey };
  }

  private fail(message: string): void {
    this.tampered.push(message);
  }
}
