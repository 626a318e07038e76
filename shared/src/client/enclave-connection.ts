/**
 * One authenticated channel to one room: opens the WebSocket, answers the relay's challenge, then carries
 * y-websocket frames and Enclave requests. Reconnects with backoff after a non-fatal close; stops for good
 * after a fatal one (denied, revoked, unsupported version). A relay that cannot be reached, or stays silent
 * (no challenge, no welcome, no pong: see RelayWatch), ends the attempt with a close that names its URL.
 * A relay served from several addresses (a cluster) is given as `alternateUrls`: an attempt that fails, or a
 * connection that drops, moves on to the next address at once; the backoff applies only after every address
 * failed in turn, and a first attempt gives up only when none of them answered.
 */
import * as decoding from 'lib0/decoding';
import { ObservableV2 } from 'lib0/observable';
import { toBase64Url } from '../encoding/base64url.js';
import { type Identity, defaultCrypto, importSigningKey, sign } from '../identity/keys.js';
import { type AgreementInfo, agreementPayload, type SpaceEvent } from '../protocol/governance.js';
import { cleanDisplayName } from '../protocol/display-names.js';
import type { Role } from '../protocol/access.js';
import { CloseCode, isFatalCloseCode } from '../protocol/close-codes.js';
import { decodeServerMessage, encodeClientMessage, MessageTag, readTag } from '../protocol/frames.js';
import { answerChallenge } from '../protocol/handshake.js';
import type {
  ChallengeMessage,
  FromServerMessage,
  NoticeMessage,
  Request,
  RequestOp,
  ResultOf,
  WelcomeMessage,
} from '../protocol/messages.js';
import { ProtocolViolation } from '../protocol/messages.js';
import { type RoomAddress, roomName, roomUrl } from '../protocol/rooms.js';
import { negotiateVersion } from '../protocol/version.js';
import { Backoff, type BackoffOptions, DEFAULT_BACKOFF } from './backoff.js';
import { ConnectionClosedError, MembershipNotSigned, RequestError } from './errors.js';
import { DEFAULT_KEEP_ALIVE, type KeepAliveOptions, RelayWatch } from './relay-watch.js';
import { messageBytes, type WebSocketConstructor, type WebSocketLike, WS_OPEN } from './websocket-like.js';
import { inviteProof } from '../sealed/invite-admission.js';
import { type ChainPins, MemoryChainPins } from './chain-pins.js';
import { changesMembership, membershipChanges, signMembership } from './space-membership.js';

export type ConnectionStatus =
  | 'idle'
  | 'connecting'
  | 'authenticating'
  /** An access request is pending; admitted (welcome) if a lead approves. */
  | 'waiting'
  | 'connected'
  | 'disconnected'
  | 'denied'
  | 'closed';

export interface ConnectionOptions {
  readonly relayUrl: string;
  /** More addresses of the same relay service, tried in turn after `relayUrl` when it fails. */
  readonly alternateUrls?: readonly string[];
  readonly room: RoomAddress;
  readonly identity: Identity;
  readonly WebSocket: WebSocketConstructor;
  readonly crypto?: Crypto;
  /** Reconnect after a non-fatal close (default true). */
  readonly reconnect?: boolean;
  readonly backoff?: BackoffOptions;
  /** Refuse to authenticate to any relay whose id differs (pinning). */
  readonly expectedRelayId?: string;
  /** A one-time invite token: joins the space with the invite's role (space channel). */
  readonly invite?: string;
  /** With `invite`, for a sealed space: the link's admission secret; the relay gets only a proof made with it. */
  readonly inviteSecret?: string;
  /**
   * Ask the space's leads to let this identity in; the connection waits for their answer. `via: 'directory'`
   * when asked from the space's listing.
   */
  readonly accessRequest?: { readonly name: string; readonly message: string; readonly via?: 'directory' };
  /** Connect timeout and heartbeat (defaults: DEFAULT_KEEP_ALIVE). */
  readonly keepAlive?: Partial<KeepAliveOptions>;
  /** Sealed spaces: where verified membership chains are pinned (default: for this connection's life). */
  readonly chainPins?: ChainPins;
}

export interface CloseInfo {
  readonly code: number;
  readonly reason: string;
  readonly willReconnect: boolean;
  /** The relay's URL: part of every message about reaching it. */
  readonly relayUrl: string;
  /** When reconnecting: the coming attempt (1 for the first retry since the last welcome) and its delay. */
  readonly retry?: { readonly attempt: number; readonly delayMs: number };
}

export interface ConnectionEvents {
  status: (status: ConnectionStatus) => void;
  welcome: (welcome: WelcomeMessage) => void;
  /** A y-websocket frame (sync, awareness, query awareness); the tag has been read from the decoder. */
  frame: (tag: number, decoder: decoding.Decoder) => void;
  notice: (notice: NoticeMessage) => void;
  'role-changed': (role: Role) => void;
  /** The access request was recorded; a welcome follows if a lead approves. */
  'access-pending': (requestId: string) => void;
  /** Live events for leads (space channel). */
  'space-event': (event: SpaceEvent) => void;
  closed: (info: CloseInfo) => void;
}

interface Pending {
  resolve(result: unknown): void;
  reject(error: Error): void;
}

export class EnclaveConnection extends ObservableV2<ConnectionEvents> {
  private socket: WebSocketLike | undefined;
  private currentStatus: ConnectionStatus = 'idle';
  private welcomeMessage: WelcomeMessage | undefined;
  private signingKey: Promise<CryptoKey> | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextRequestId = 1;
  private readonly backoff: Backoff;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private lastCloseInfo: CloseInfo | undefined;
  private userClosed = false;
  private watch: RelayWatch | undefined;
  private readonly keepAlive: KeepAliveOptions;
  private welcomedOnce = false;
  /** Reconnect attempts since the last welcome. */
  private attempts = 0;
  private nextAttemptAt: number | undefined;
  /** The relay's addresses, and the index of the one the current (or last) attempt used. */
  private readonly addresses: readonly string[];
  private addressIndex = 0;
  private challengedBy: string | undefined;
  /** This connection created its (sealed) space: its welcome predates that. */
  private createdSealed = false;
  private ownPins: ChainPins | undefined;

  constructor(readonly options: ConnectionOptions) {
    super();
    this.backoff = new Backoff(options.backoff ?? DEFAULT_BACKOFF);
    this.keepAlive = { ...DEFAULT_KEEP_ALIVE, ...options.keepAlive };
    this.addresses = [options.relayUrl, ...(options.alternateUrls ?? []).filter((url) => url !== options.relayUrl)];
  }

  /** The address the current (or last) attempt used. */
  get relayUrl(): string {
    return this.addresses[this.addressIndex]!;
  }

  get status(): ConnectionStatus {
    return this.currentStatus;
  }

  /** The latest welcome, while connected. */
  get welcome(): WelcomeMessage | undefined {
    return this.currentStatus === 'connected' ? this.welcomeMessage : undefined;
  }

  /** The relay's own public key, as its latest challenge gave it (what directory listings are signed for). */
  get relayId(): string | undefined {
    return this.challengedBy;
  }

  get lastClose(): CloseInfo | undefined {
    return this.lastCloseInfo;
  }

  /** While disconnected: when the next attempt starts (epoch ms) and its number since the last welcome. */
  get nextAttempt(): { readonly at: number; readonly attempt: number } | undefined {
    return this.currentStatus === 'disconnected' && this.nextAttemptAt !== undefined
      ? { at: this.nextAttemptAt, attempt: this.attempts }
      : undefined;
  }

  get room(): string {
    return roomName(this.options.room);
  }

  connect(): this {
    if (this.userClosed) throw new Error('this connection was closed; create a new one');
    if (this.socket) return this;
    clearTimeout(this.reconnectTimer);
    this.nextAttemptAt = undefined;
    this.setStatus('connecting');
    let socket: WebSocketLike;
    try {
      socket = new this.options.WebSocket(roomUrl(this.relayUrl, this.options.room));
    } catch (error) {
      // A malformed URL throws at once (browsers: SyntaxError): the same clear failure as an unreachable relay.
      this.failBeforeSocket((error as Error).message);
      return this;
    }
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    let opened = false;
    let failure: string | undefined;
    this.watch = new RelayWatch(this.keepAlive, {
      ping: () => {
        if (this.socket === socket && socket.readyState === WS_OPEN) socket.send(encodeClientMessage({ type: 'ping' }));
      },
      silent: (reason) => {
        socket.close(CloseCode.Silent, reason.slice(0, 120));
        this.handleClose(socket, CloseCode.Silent, reason);
      },
    });
    socket.onopen = () => {
      opened = true;
      if (this.socket === socket) this.setStatus('authenticating');
    };
    socket.onmessage = (event: { data: unknown }) => {
      if (this.socket !== socket) return;
      this.watch?.received();
      const bytes = messageBytes(event.data);
      try {
        if (!bytes) throw new ProtocolViolation('text frame');
        this.receive(socket, bytes);
      } catch (error) {
        const reason = error instanceof ProtocolViolation ? error.message : 'client error';
        socket.close(CloseCode.ProtocolError, reason.slice(0, 120));
        this.handleClose(socket, CloseCode.ProtocolError, reason);
      }
    };
    socket.onclose = (event: { code: number; reason: string }) => {
      // 1006 carries no reason: say whether the relay was never reached (and why, where the platform says).
      const reason =
        event.reason ||
        (event.code === CloseCode.Abnormal ? (opened ? 'connection lost' : (failure ?? 'could not connect')) : '');
      this.handleClose(socket, event.code, reason);
    };
    socket.onerror = (event: { message?: unknown } | undefined) => {
      // Node's `ws` says why (ECONNREFUSED, ENOTFOUND); browsers say nothing. onclose follows with the code.
      if (typeof event?.message === 'string' && event.message) failure = event.message;
    };
    return this;
  }

  /**
   * Resolves with the welcome once admitted; rejects if the relay refuses or the connection is closed, and
   * also when the first attempt fails (unreachable, silent): opening something fails clearly instead of
   * waiting for ever, while the connection (if it reconnects) keeps trying in the background.
   */
  whenWelcomed(): Promise<WelcomeMessage> {
    const current = this.welcome;
    if (current) return Promise.resolve(current);
    if (this.hasFailed()) return Promise.reject(this.closedError());
    return new Promise((resolve, reject) => {
      const onWelcome = (welcome: WelcomeMessage): void => {
        cleanup();
        resolve(welcome);
      };
      const onStatus = (): void => {
        if (this.hasFailed()) {
          cleanup();
          reject(this.closedError());
        }
      };
      const cleanup = (): void => {
        this.off('welcome', onWelcome);
        this.off('status', onStatus);
      };
      this.on('welcome', onWelcome);
      this.on('status', onStatus);
    });
  }

  /**
   * Sends a request once admitted; rejects with RequestError if refused, ConnectionClosedError if cut off.
   * In a sealed space a lead's grant, approval or revoke is then signed into the membership chain
   * (space-membership.ts) before this resolves.
   */
  async request<Op extends RequestOp>(request: Extract<Request, { op: Op }>): Promise<ResultOf[Op]> {
    const result = await this.ask(request);
    const asked: Request = request;
    if (asked.op === 'space.create' && asked.sealed) this.createdSealed = true;
    if (changesMembership(asked) && (this.welcomeMessage?.sealed || this.createdSealed)) {
      const changes = membershipChanges(asked, result);
      try {
        await signMembership(this, this.chainPins, changes);
      } catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        throw new MembershipNotSigned(`done on the relay, but not signed into the space's membership chain: ${why}`);
      }
    }
    return result;
  }

  /** The pins of the membership chains this connection verified (ConnectionOptions.chainPins). */
  get chainPins(): ChainPins {
    return (this.ownPins ??= this.options.chainPins ?? new MemoryChainPins());
  }

  private async ask<Op extends RequestOp>(request: Extract<Request, { op: Op }>): Promise<ResultOf[Op]> {
    await this.whenWelcomed();
    const socket = this.socket;
    if (!socket || socket.readyState !== WS_OPEN) throw this.closedError();
    const id = this.nextRequestId++;
    return new Promise<ResultOf[Op]>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (r: unknown) => void, reject });
      socket.send(encodeClientMessage({ type: 'request', id, request }));
    });
  }

  /** Sends a y-websocket frame; false when not connected (the caller resyncs on reconnect). */
  send(frame: Uint8Array): boolean {
    if (this.currentStatus !== 'connected' || this.socket?.readyState !== WS_OPEN) return false;
    this.socket.send(frame);
    return true;
  }

  /**
   * Signs the space's agreement (the version shown in `welcome.agreement`). Resolves once the relay has sent
   * the new welcome whose `agreement` is null, after which content flows.
   */
  async signAgreement(agreement: AgreementInfo): Promise<void> {
    const crypto = this.options.crypto ?? defaultCrypto();
    this.signingKey ??= importSigningKey(this.options.identity, crypto);
    const payload = agreementPayload(this.options.room.space, agreement.version, agreement.hash);
    const signature = toBase64Url(await sign(await this.signingKey, payload, crypto));
    // Resolve with the second welcome (content flows from there), not merely with the relay's answer;
    // a connection that was admitted without an agreement pending gets no second welcome.
    const gated = Boolean(this.welcomeMessage?.agreement);
    const admitted = new Promise<void>((resolve) => {
      if (!gated) return resolve();
      const onWelcome = (welcome: WelcomeMessage): void => {
        if (welcome.agreement) return;
        this.off('welcome', onWelcome);
        resolve();
      };
      this.on('welcome', onWelcome);
    });
    await this.request({ op: 'agreement.sign', version: agreement.version, hash: agreement.hash, signature });
    await admitted;
  }

  /**
   * True when waiting for a welcome is pointless: refused, closed, or never admitted and between attempts
   * (see whenWelcomed).
   */
  hasFailed(): boolean {
    const status = this.currentStatus;
    return (
      status === 'denied' ||
      status === 'closed' ||
      (status === 'disconnected' && !this.welcomedOnce && this.attempts >= this.addresses.length)
    );
  }

  /** Closes for good. */
  close(): void {
    this.userClosed = true;
    clearTimeout(this.reconnectTimer);
    const socket = this.socket;
    if (socket) {
      socket.close(1000, 'client closed');
      this.handleClose(socket, 1000, 'client closed');
    } else {
      this.setStatus('closed');
    }
  }

  override destroy(): void {
    this.close();
    super.destroy();
  }

  private receive(socket: WebSocketLike, bytes: Uint8Array): void {
    const decoder = decoding.createDecoder(bytes);
    const tag = readTag(decoder);
    if (tag !== MessageTag.Enclave) {
      if (this.currentStatus !== 'connected') throw new ProtocolViolation('document frame before welcome');
      this.emit('frame', [tag, decoder]);
      return;
    }
    this.handleMessage(socket, decodeServerMessage(decoder));
  }

  private handleMessage(socket: WebSocketLike, message: FromServerMessage): void {
    switch (message.type) {
      case 'challenge':
        if (this.currentStatus === 'connected') throw new ProtocolViolation('second challenge');
        this.watch?.challenged(message.heartbeatMs);
        this.challengedBy = message.relayId;
        void this.authenticate(socket, message);
        return;
      case 'welcome':
        this.welcomeMessage = message;
        this.welcomedOnce = true;
        this.watch?.admitted();
        this.backoff.reset();
        this.attempts = 0;
        this.setStatus('connected');
        this.emit('welcome', [message]);
        return;
      case 'response': {
        const pending = this.pending.get(message.id);
        if (!pending) return;
        this.pending.delete(message.id);
        if (message.ok) pending.resolve(message.result);
        else pending.reject(new RequestError(message.error.code, message.error.message));
        return;
      }
      case 'notice':
        this.emit('notice', [message]);
        return;
      case 'role-changed':
        if (this.welcomeMessage) this.welcomeMessage = { ...this.welcomeMessage, role: message.role };
        this.emit('role-changed', [message.role]);
        return;
      case 'access-pending':
        this.watch?.admitted();
        this.setStatus('waiting');
        this.emit('access-pending', [message.requestId]);
        return;
      case 'space-event':
        this.emit('space-event', [message.event]);
        return;
      case 'pong':
        return; // its arrival was the point (RelayWatch)
    }
  }

  private async authenticate(socket: WebSocketLike, challenge: ChallengeMessage): Promise<void> {
    const { expectedRelayId, identity } = this.options;
    if (expectedRelayId && challenge.relayId !== expectedRelayId) {
      socket.close(1000, 'unexpected relay');
      this.handleClose(socket, CloseCode.Forbidden, `relay id ${challenge.relayId} is not the expected one`);
      return;
    }
    const protocol = negotiateVersion(challenge.protocols);
    if (protocol === undefined) {
      socket.close(1000, 'no common protocol version');
      this.handleClose(socket, CloseCode.UnsupportedVersion, `relay speaks versions ${challenge.protocols.join(', ')}`);
      return;
    }
    try {
      const crypto = this.options.crypto ?? defaultCrypto();
      this.signingKey ??= importSigningKey(identity, crypto);
      const signed = await answerChallenge(challenge, identity, await this.signingKey, this.room, protocol, crypto);
      const { invite, inviteSecret, accessRequest } = this.options;
      // The name this person chose travels with every handshake: the relay records it for newcomers.
      const chosen = cleanDisplayName(identity.name);
      const named = chosen === undefined ? signed : { ...signed, name: chosen };
      const proof = inviteSecret ? { inviteProof: inviteProof(inviteSecret, identity.publicKey) } : {};
      const answer = invite ? { ...named, invite, ...proof } : accessRequest ? { ...named, accessRequest } : named;
      if (this.socket === socket && socket.readyState === WS_OPEN) socket.send(encodeClientMessage(answer));
    } catch (error) {
      this.signingKey = undefined;
      socket.close(1000, 'cannot sign');
      this.handleClose(socket, CloseCode.Unauthenticated, (error as Error).message);
    }
  }

  private handleClose(socket: WebSocketLike, code: number, reason: string): void {
    if (this.socket !== socket) return;
    this.socket = undefined;
    this.watch?.stop();
    this.watch = undefined;
    socket.onopen = socket.onmessage = socket.onclose = null;
    // Not null: closing a socket that is still connecting makes `ws` emit an error, which must not throw.
    socket.onerror = () => undefined;
    this.closed(code, reason);
  }

  /** The WebSocket constructor itself refused (a malformed URL): an attempt that failed at once. */
  private failBeforeSocket(reason: string): void {
    queueMicrotask(() => {
      if (!this.socket && this.currentStatus === 'connecting') this.closed(CloseCode.Abnormal, reason);
    });
  }

  private closed(code: number, reason: string): void {
    const fatal = isFatalCloseCode(code);
    // With several addresses a first attempt goes on to the next one even when reconnecting is off.
    const untried = !this.welcomedOnce && this.attempts + 1 < this.addresses.length;
    const willReconnect = !this.userClosed && !fatal && (this.options.reconnect !== false || untried);
    const relayUrl = this.relayUrl;
    if (willReconnect) this.attempts++;
    // Move on to the next address at once; back off only once every address has failed in turn.
    const cycleDone = this.attempts % this.addresses.length === 0;
    const delayMs = willReconnect ? (cycleDone ? this.backoff.next() : 0) : 0;
    if (willReconnect && this.addresses.length > 1) this.addressIndex = (this.addressIndex + 1) % this.addresses.length;
    this.lastCloseInfo = {
      code,
      reason,
      willReconnect,
      relayUrl,
      ...(willReconnect ? { retry: { attempt: this.attempts, delayMs } } : {}),
    };
    const error = new ConnectionClosedError(code, reason, relayUrl);
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
    this.emit('closed', [this.lastCloseInfo]);
    if (willReconnect) {
      this.nextAttemptAt = Date.now() + delayMs;
      this.setStatus('disconnected');
      this.reconnectTimer = setTimeout(() => {
        if (!this.userClosed && !this.socket) this.connect();
      }, delayMs);
    } else {
      // 'denied' means the relay will not have us (until a lead acts); 'closed' is any other final stop.
      this.setStatus(!this.userClosed && isFatalCloseCode(code) ? 'denied' : 'closed');
    }
  }

  private closedError(): ConnectionClosedError {
    const info = this.lastCloseInfo;
    return new ConnectionClosedError(info?.code ?? 1000, info?.reason ?? 'closed', info?.relayUrl ?? this.relayUrl);
  }

  private setStatus(status: ConnectionStatus): void {
    if (this.currentStatus === status) return;
    this.currentStatus = status;
    this.emit('status', [status]);
  }
}
