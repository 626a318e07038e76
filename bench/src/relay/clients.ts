/**
 * One benchmark client per server flavour, all with the same surface: a Y.Doc kept in sync with one room.
 * - Enclave: the real client library (EnclaveConnection + DocumentSession, Ed25519 handshake).
 * - Enclave, sealed space: the real client library's SealedSession, which seals (encrypts + signs) every
 *   update it sends and opens (verifies + decrypts) every log entry it receives, with the member's own
 *   unwrapped space key. The room name is the document's opaque id; its real name travels sealed. The load
 *   phases use createLoadClient instead: it seals what it sends but does not open what it receives
 *   (sealed-load-client.ts).
 * - Reference y-websocket server: the plain y-websocket protocol (sync + awareness frames), as
 *   y-websocket's WebsocketProvider speaks it, without its timers.
 * - Hocuspocus: the same frames prefixed with the document name, after Hocuspocus's auth message.
 * Local edits must be made with origin LOCAL; everything else applied to the doc came from the server.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as syncProtocol from 'y-protocols/sync';
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import {
  DocumentSession,
  EnclaveConnection,
  type DocumentKind,
  type Identity,
  SealedSession,
  SpaceKeys,
  type WebSocketConstructor,
} from '@enclave/shared';
import { BENCH_SPACE, type ServerKind } from './ipc.js';
import { type ArrivalListener, SealedLoadClient } from './sealed-load-client.js';

/** Transaction origin of edits made by the benchmark itself. */
export const LOCAL = Symbol('local edit');

export interface BenchClient {
  readonly doc: Y.Doc;
  /** Resolves once the doc holds what the server had when this client joined. */
  whenSynced(): Promise<void>;
  /** Called when the connection closes unexpectedly, with the close code and reason where known. */
  onDisconnect(listener: (why: string) => void): void;
  /** Sealed spaces: messages that failed verification or a sequence check (the benchmark expects none). */
  readonly tampered?: readonly string[];
  /** The sealed load client: the session its headers carry, its updates so far, and arrivals of others'. */
  readonly headerSession?: number;
  readonly updatesMade?: number;
  onArrival?(listener: ArrivalListener): void;
  close(): void;
}

export interface ClientOptions {
  readonly kind: ServerKind;
  readonly url: string;
  readonly document: string;
  /** Enclave: the member identity to authenticate as, and the kind to create if the document is new. */
  readonly identity?: Identity;
  readonly create?: DocumentKind;
}

export function createClient(options: ClientOptions): BenchClient {
  const doc = new Y.Doc();
  switch (options.kind) {
    case 'enclave-sealed':
      if (!options.identity) throw new Error('an Enclave client needs an identity');
      return new SealedClient(options.url, options.document, options.identity, options.create, doc);
    case 'enclave':
    case 'enclave-memory':
    case 'enclave-window':
    case 'enclave-cluster2':
    case 'enclave-cluster3':
      if (!options.identity) throw new Error('an Enclave client needs an identity');
      return new EnclaveClient(options.url, options.document, options.identity, options.create, doc);
    case 'reference':
    case 'forwarder':
      return new YWebsocketClient(`${options.url}/${BENCH_SPACE}/${options.document}`, undefined, doc);
    case 'hocuspocus': {
      const name = `${BENCH_SPACE}/${options.document}`;
      return new YWebsocketClient(`${options.url}/${name}`, name, doc);
    }
  }
}

/**
 * A client for the load phases: as createClient, except in a sealed space, where it seals what it sends
 * and reports what arrives without opening it (SealedLoadClient); its edits' doc holds only its own.
 */
export function createLoadClient(options: ClientOptions): BenchClient {
  if (options.kind !== 'enclave-sealed') return createClient(options);
  if (!options.identity) throw new Error('an Enclave client needs an identity');
  return new SealedLoadClient(options.url, options.document, options.identity, options.create, LOCAL);
}

class EnclaveClient implements BenchClient {
  private readonly connection: EnclaveConnection;
  private readonly session: DocumentSession;
  private readonly awareness: awarenessProtocol.Awareness;
  private readonly synced: Promise<void>;
  private closing = false;

  constructor(
    url: string,
    document: string,
    identity: Identity,
    create: DocumentKind | undefined,
    readonly doc: Y.Doc,
  ) {
    this.connection = new EnclaveConnection({
      relayUrl: url,
      room: { space: BENCH_SPACE, document },
      identity,
      WebSocket: WebSocket as unknown as WebSocketConstructor,
      reconnect: false,
    });
    // No presence: the benchmark measures document edits, and the other clients send none either.
    this.awareness = new awarenessProtocol.Awareness(doc);
    this.awareness.setLocalState(null);
    this.session = new DocumentSession(
      create
        ? { connection: this.connection, doc, awareness: this.awareness, create }
        : { connection: this.connection, doc, awareness: this.awareness },
    );
    this.connection.connect();
    this.synced = this.session.whenSynced();
    this.synced.catch(() => undefined);
  }

  whenSynced(): Promise<void> {
    return this.synced;
  }

  onDisconnect(listener: (why: string) => void): void {
    this.connection.on('closed', (info) => {
      if (!this.closing) listener(`${info.code} ${info.reason}`);
    });
  }

  close(): void {
    this.closing = true;
    this.session.destroy();
    this.awareness.destroy();
    this.connection.destroy();
    this.doc.destroy();
  }
}

class SealedClient implements BenchClient {
  private readonly connection: EnclaveConnection;
  private readonly keys: SpaceKeys;
  private readonly session: SealedSession;
  private readonly synced: Promise<void>;
  private closing = false;
  /** What the session reported as failing its checks: the benchmark expects none. */
  readonly tampered: string[] = [];

  constructor(
    url: string,
    document: string,
    identity: Identity,
    create: DocumentKind | undefined,
    readonly doc: Y.Doc,
  ) {
    this.connection = new EnclaveConnection({
      relayUrl: url,
      room: { space: BENCH_SPACE, document },
      identity,
      WebSocket: WebSocket as unknown as WebSocketConstructor,
      reconnect: false,
    });
    this.keys = new SpaceKeys(BENCH_SPACE, identity);
    // No presence (as for the other servers): the session's own Awareness is left without a local state.
    this.session = new SealedSession({
      connection: this.connection,
      doc,
      identity,
      keys: this.keys,
      ...(create ? { create: { kind: create, name: document } } : {}),
    });
    this.session.awareness.setLocalState(null);
    this.session.on('tampered', (message) => this.tampered.push(message));
    this.connection.connect();
    this.synced = this.session.whenSynced();
    this.synced.catch(() => undefined);
  }

  whenSynced(): Promise<void> {
    return this.synced;
  }

  onDisconnect(listener: (why: string) => void): void {
    this.connection.on('closed', (info) => {
      if (!this.closing) listener(`${info.code} ${info.reason}`);
    });
  }

  close(): void {
    this.closing = true;
    this.session.destroy();
    this.connection.destroy();
    this.keys.destroy();
    this.doc.destroy();
  }
}

const MESSAGE_SYNC = 0;
const MESSAGE_AWARENESS = 1;
const MESSAGE_AUTH = 2;
const MESSAGE_SYNC_REPLY = 4; // Hocuspocus: a sync answer that asks for no further step 1
const MESSAGE_PING = 9; // Hocuspocus
const MESSAGE_PONG = 10;

class YWebsocketClient implements BenchClient {
  private readonly socket: WebSocket;
  private readonly synced: Promise<void>;
  private resolveSynced!: () => void;
  private isSynced = false;
  private closing = false;
  private readonly disconnectListeners: ((why: string) => void)[] = [];

  /** `name` set: Hocuspocus framing (every message starts with the document name). */
  constructor(
    url: string,
    private readonly name: string | undefined,
    readonly doc: Y.Doc,
  ) {
    this.synced = new Promise<void>((resolve, reject) => {
      this.resolveSynced = resolve;
      this.rejectSynced = reject;
    });
    this.synced.catch(() => undefined);
    this.socket = new WebSocket(url, { perMessageDeflate: false });
    this.socket.binaryType = 'nodebuffer';
    this.socket.on('open', () => {
      if (this.name !== undefined) {
        // Hocuspocus auth: [name][Auth][Token][token]; with no onAuthenticate hook any token passes.
        this.send((e) => {
          encoding.writeVarUint(e, MESSAGE_AUTH);
          encoding.writeVarUint(e, 0);
          encoding.writeVarString(e, 'bench');
        });
      }
      this.send((e) => {
        encoding.writeVarUint(e, MESSAGE_SYNC);
        syncProtocol.writeSyncStep1(e, doc);
      });
    });
    this.socket.on('message', (data: Buffer) =>
      this.receive(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)),
    );
    this.socket.on('close', (code: number, reason: Buffer) => {
      if (!this.isSynced) this.rejectSynced(new Error('closed before sync'));
      if (!this.closing) this.disconnectListeners.forEach((l) => l(`${code} ${reason.toString()}`));
    });
    this.socket.on('error', () => undefined);
    doc.on('update', this.onUpdate);
  }

  private rejectSynced!: (error: Error) => void;

  whenSynced(): Promise<void> {
    return this.synced;
  }

  onDisconnect(listener: (why: string) => void): void {
    this.disconnectListeners.push(listener);
  }

  close(): void {
    this.closing = true;
    this.doc.off('update', this.onUpdate);
    this.socket.close();
    this.doc.destroy();
  }

  private readonly onUpdate = (update: Uint8Array, origin: unknown): void => {
    if (origin === this) return;
    this.send((e) => {
      encoding.writeVarUint(e, MESSAGE_SYNC);
      syncProtocol.writeUpdate(e, update);
    });
  };

  private encoder(): encoding.Encoder {
    const e = encoding.createEncoder();
    if (this.name !== undefined) encoding.writeVarString(e, this.name);
    return e;
  }

  private send(write: (e: encoding.Encoder) => void): void {
    if (this.socket.readyState !== WebSocket.OPEN) return;
    const e = this.encoder();
    write(e);
    this.socket.send(encoding.toUint8Array(e));
  }

  private receive(bytes: Uint8Array): void {
    const decoder = decoding.createDecoder(bytes);
    if (this.name !== undefined) decoding.readVarString(decoder);
    const type = decoding.readVarUint(decoder);
    switch (type) {
      case MESSAGE_SYNC:
      case MESSAGE_SYNC_REPLY: {
        const reply = this.encoder();
        encoding.writeVarUint(reply, MESSAGE_SYNC);
        const header = encoding.length(reply);
        const kind = syncProtocol.readSyncMessage(decoder, reply, this.doc, this);
        if (encoding.length(reply) > header && this.socket.readyState === WebSocket.OPEN) {
          this.socket.send(encoding.toUint8Array(reply));
        }
        if (kind === syncProtocol.messageYjsSyncStep2 && !this.isSynced) {
          this.isSynced = true;
          this.resolveSynced();
        }
        return;
      }
      case MESSAGE_AUTH: {
        if (decoding.readVarUint(decoder) === 1)
          this.rejectSynced(new Error(`permission denied: ${decoding.readVarString(decoder)}`));
        return;
      }
      case MESSAGE_PING:
        if (this.name !== undefined) this.send((e) => encoding.writeVarUint(e, MESSAGE_PONG));
        return;
      case MESSAGE_AWARENESS:
      default:
        return; // presence, query awareness, sync status: not measured
    }
  }
}
