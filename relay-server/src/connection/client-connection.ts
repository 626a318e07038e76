/**
 * One client's WebSocket, from challenge to close. Until the handshake succeeds the client receives the
 * challenge and nothing else: no document bytes, no presence, nothing that says whether the space or
 * document exists. Every inbound frame is untrusted: decoded inside a guard, processed in order, and any
 * failure closes this connection only.
 */
import * as decoding from 'lib0/decoding';
import type { WebSocket } from 'ws';
import {
  type AgreementInfo,
  type AuthenticateMessage,
  CloseCode,
  canWrite,
  decodeClientMessage,
  encodeServerMessage,
  type FromServerMessage,
  MessageTag,
  newNonce,
  type Participant,
  ProtocolViolation,
  type PublicKeyText,
  type RequestMessage,
  type Role,
  type RoomAddress,
  type SpaceEvent,
  roomName,
  readTag,
  SUPPORTED_PROTOCOL_VERSIONS,
  verifyAnswer,
} from '@enclave/shared';
import type { AccessService } from '../access/access-service.js';
import { type GovernanceService, TooManyRequests } from '../access/governance-service.js';
import { PresenceAudit } from '../access/presence-audit.js';
import type { RelayLimits } from '../config.js';
import { documentInfo, handleRequest } from '../control/request-handlers.js';
import { RequestFailure } from '../control/request-failure.js';
import { type StampedUser, stampedUser } from '../documents/awareness-stamp.js';
import type { DocumentPeer } from '../documents/document-peer.js';
import type { DocumentRegistry } from '../documents/document-registry.js';
import type { RelayDocument } from '../documents/relay-document.js';
import type { Logger } from '../observability/logger.js';
import type { RelayMetrics } from '../observability/metrics.js';
import type { DocumentRecord, MemberRecord, NewAuditEntry, Storage } from '../storage/storage.js';
import type { AdmissionLease } from './admission-limits.js';
import type { HandshakeRefusals } from './handshake-refusals.js';
import { RateLimiter } from './rate-limiter.js';

export interface ConnectionContext {
  readonly relayId: PublicKeyText;
  readonly access: AccessService;
  readonly storage: Storage;
  readonly documents: DocumentRegistry;
  readonly metrics: RelayMetrics;
  readonly logger: Logger;
  readonly limits: RelayLimits;
  readonly governance: GovernanceService;
  /** Admitted connections, so that revocations and role changes reach them. */
  readonly admitted: Set<ClientConnection>;
  /** Connections of non-members waiting for their access request to be resolved. */
  readonly waiting: Set<ClientConnection>;
  /** Counts, logs and audits refused handshakes, bounded. */
  readonly refusals: HandshakeRefusals;
}

/**
 * challenged -> verifying -> admitted, or -> waiting (access request) -> admitted, or -> agreement (must
 * sign first) -> admitted; any -> closed.
 */
type State = 'challenged' | 'verifying' | 'waiting' | 'agreement' | 'admitted' | 'closed';

const READ_ONLY_NOTICE_INTERVAL_MS = 5_000;
const WS_OPEN = 1;

export class ClientConnection implements DocumentPeer {
  private state: State = 'challenged';
  private readonly nonce = newNonce();
  private readonly handshakeTimer: ReturnType<typeof setTimeout>;
  private readonly rate: RateLimiter;
  private queue: Promise<void> = Promise.resolve();
  /** Frames waiting in `queue` (handshake, requests, or anything behind them). */
  private queued = 0;
  private document: RelayDocument | undefined;
  private publicKeyText: PublicKeyText | undefined;
  /** The name the client chose for itself in its handshake (a claim, recorded where nobody else named it). */
  private chosenName: string | undefined;
  private currentRole: Role | null = null;
  private stamped: StampedUser | undefined;
  private lastReadOnlyNotice = -Infinity;
  /** Writes this document channel's 'joined' and 'left' entries, if it is one. */
  private presenceAudit: PresenceAudit | undefined;
  private protocol = 0;
  private admin = false;
  private spaceExists = false;
  private pendingRequestId: string | undefined;
  private waitTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly socket: WebSocket,
    readonly room: RoomAddress,
    private readonly context: ConnectionContext,
    /** This connection's place in the relay's admission limits. */
    private readonly admission: AdmissionLease,
  ) {
    this.rate = new RateLimiter(context.limits.messagesPerSecond, context.limits.messageBurst);
    this.handshakeTimer = setTimeout(
      () => this.refuse(CloseCode.HandshakeTimeout, 'no answer to the challenge', null),
      context.limits.handshakeTimeoutMs,
    );
    socket.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    socket.on('close', (code) => this.onClosed(code));
    socket.on('error', (error) => context.logger.log('debug', 'socket error', { error: error.message }));
    context.metrics.connections.inc({ state: 'handshake' });
    this.sendMessage({
      type: 'challenge',
      protocols: SUPPORTED_PROTOCOL_VERSIONS,
      relayId: context.relayId,
      nonce: this.nonce,
    });
  }

  get publicKey(): PublicKeyText | undefined {
    return this.publicKeyText;
  }

  get role(): Role | null {
    return this.currentRole;
  }

  // ---- DocumentPeer

  get canWrite(): boolean {
    return this.currentRole !== null && canWrite(this.currentRole);
  }

  get user(): StampedUser {
    if (!this.stamped) throw new Error('not admitted');
    return this.stamped;
  }

  send(frame: Uint8Array): void {
    if (this.socket.readyState === WS_OPEN) this.socket.send(frame);
  }

  noticeReadOnly(): void {
    const now = performance.now();
    if (now - this.lastReadOnlyNotice < READ_ONLY_NOTICE_INTERVAL_MS) return;
    this.lastReadOnlyNotice = now;
    this.sendMessage({
      type: 'notice',
      code: 'read-only',
      message: 'you are a viewer in this space: your edit was not saved or shared',
    });
  }

  close(code: number, reason: string): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearTimeout(this.handshakeTimer);
    clearTimeout(this.waitTimer);
    this.socket.close(code, reason.slice(0, 120));
  }

  // ---- membership changes (called by the relay)

  /** Live events for leads on the space channel. */
  notify(event: SpaceEvent): void {
    if (this.state === 'admitted') this.sendMessage({ type: 'space-event', event });
  }

  /** The member's role changed while connected. */
  changeRole(role: Role): void {
    if (this.state !== 'admitted' || this.currentRole === role) return;
    this.currentRole = role;
    this.sendMessage({ type: 'role-changed', role });
  }

  // ---- inbound

  private onMessage(data: unknown, isBinary: boolean): void {
    if (this.state === 'closed') return;
    if (!isBinary) return this.close(CloseCode.ProtocolError, 'text frames are not part of the protocol');
    if (!this.rate.take()) {
      this.context.metrics.closes.inc({ code: String(CloseCode.RateLimited) });
      return this.close(CloseCode.RateLimited, 'too many messages');
    }
    const bytes = toBytes(data);
    this.context.metrics.hot.bytesReceived += bytes.length;
    if (this.state === 'admitted' && this.queued === 0 && isDocumentFrame(bytes)) {
      // The hot path: a member's edit or presence, handled at once. The document's own queue keeps
      // storage and forwarding in order; waiting here too would only add promises per edit.
      try {
        const decoder = decoding.createDecoder(bytes);
        this.processDocumentFrame(readTag(decoder), decoder)?.catch(this.failed);
      } catch (error) {
        this.onFailure(error);
      }
      return;
    }
    this.queued++;
    this.queue = this.queue
      .then(() => this.process(bytes))
      .catch(this.failed)
      .finally(() => this.queued--);
  }

  private readonly failed = (error: unknown): void => this.onFailure(error);

  private async process(bytes: Uint8Array): Promise<void> {
    if (this.state === 'closed') return;
    const decoder = decoding.createDecoder(bytes);
    const tag = readTag(decoder);
    if (this.state === 'waiting') throw new ProtocolViolation('waiting for a lead: send nothing');
    if (this.state === 'agreement') return this.processBeforeAgreement(tag, decoder);
    if (this.state !== 'admitted') {
      // A stock y-websocket client starts with a sync frame: it is closed here, having received nothing.
      if (tag !== MessageTag.Enclave || this.state !== 'challenged') {
        return this.refuse(CloseCode.Unauthenticated, 'authenticate first', null);
      }
      const message = decodeClientMessage(decoder);
      if (message.type !== 'authenticate') return this.refuse(CloseCode.Unauthenticated, 'authenticate first', null);
      return this.authenticate(message);
    }
    if (tag === MessageTag.Enclave) {
      this.context.metrics.hot.controlFrames++;
      const message = decodeClientMessage(decoder);
      if (message.type !== 'request') throw new ProtocolViolation('already authenticated');
      return this.answer(message);
    }
    return this.processDocumentFrame(tag, decoder);
  }

  /** Sync, presence and presence queries of an admitted member: the document decides what they mean. */
  private processDocumentFrame(tag: number, decoder: decoding.Decoder): Promise<void> | void {
    if (tag === MessageTag.Sync) this.context.metrics.hot.syncFrames++;
    else if (tag === MessageTag.Awareness) this.context.metrics.hot.awarenessFrames++;
    return this.requireDocument().receive(this, tag, decoder);
  }

  /** Until the agreement is signed, only agreement requests are answered; document frames are dropped. */
  private async processBeforeAgreement(tag: number, decoder: decoding.Decoder): Promise<void> {
    if (tag !== MessageTag.Enclave) return;
    const message = decodeClientMessage(decoder);
    if (message.type !== 'request') throw new ProtocolViolation('already authenticated');
    if (message.request.op === 'agreement.get' || message.request.op === 'agreement.sign') return this.answer(message);
    this.sendMessage({
      type: 'response',
      id: message.id,
      ok: false,
      error: { code: 'agreement-required', message: "sign the space's agreement first" },
    });
  }

  private requireDocument(): RelayDocument {
    if (!this.document) throw new ProtocolViolation('no document is open on this connection');
    return this.document;
  }

  private async authenticate(message: AuthenticateMessage): Promise<void> {
    this.state = 'verifying';
    const { access, governance } = this.context;
    const { space } = this.room;
    if (!SUPPORTED_PROTOCOL_VERSIONS.includes(message.protocol)) {
      return this.refuse(CloseCode.UnsupportedVersion, `protocol ${message.protocol} is not supported`, null);
    }
    const valid = await verifyAnswer(message, {
      nonce: this.nonce,
      relayId: this.context.relayId,
      room: roomName(this.room),
    });
    if (!valid) return this.refuse(CloseCode.Unauthenticated, 'invalid signature', message.publicKey);
    this.publicKeyText = message.publicKey;
    this.chosenName = message.name;
    this.protocol = message.protocol;
    const found = await access.lookup(space, message.publicKey);
    let member = found.member;
    if (!member && message.invite !== undefined) {
      const redeemed = found.space
        ? await governance.redeem(space, message.publicKey, message.invite, message.name)
        : 'invite not valid';
      if (typeof redeemed === 'string') {
        return this.refuse(CloseCode.Forbidden, redeemed, message.publicKey, Boolean(found.space), redeemed);
      }
      member = redeemed;
    }
    if (!member && message.accessRequest && this.room.document === undefined) {
      const { name, message: text } = message.accessRequest;
      return this.awaitApproval(message.publicKey, { name: name.trim() ? name : (message.name ?? ''), message: text });
    }
    if (member) member = await access.adoptChosenName(space, member, message.name);
    const admin = access.isAdmin(message.publicKey);
    const admitted = this.room.document === undefined ? Boolean(member) || admin : Boolean(member);
    if (!admitted) return this.refuse(CloseCode.Forbidden, 'not a member', message.publicKey, Boolean(found.space));
    return this.admit(member, admin, Boolean(found.space));
  }

  /**
   * Sends the welcome. Content (sync, presence) follows only once the member has signed the space's current
   * agreement, if it has one; until then the connection is in the 'agreement' state.
   */
  private async admit(member: MemberRecord | undefined, admin: boolean, spaceExists: boolean): Promise<void> {
    const { access, governance, storage } = this.context;
    const { space } = this.room;
    const publicKey = this.publicKeyText!;
    const record = this.room.document === undefined ? undefined : await storage.getDocument(space, this.room.document);
    const participant: Participant = await access.participant(publicKey, member?.name);
    const agreement = member ? await governance.pendingAgreement(space, publicKey) : null;
    if (this.state !== 'verifying' && this.state !== 'waiting') return; // closed meanwhile
    clearTimeout(this.handshakeTimer);
    this.state = agreement ? 'agreement' : 'admitted';
    this.currentRole = member?.role ?? null;
    this.stamped = stampedUser(participant);
    this.admin = admin;
    this.spaceExists = spaceExists;
    this.context.waiting.delete(this);
    this.context.admitted.add(this);
    this.admission.admitted();
    this.context.metrics.connections.dec({ state: 'handshake' });
    this.context.metrics.connections.inc({ state: 'admitted' });
    this.context.metrics.handshakes.inc({ outcome: 'admitted' });
    this.sendWelcome(record, agreement);
    if (spaceExists && this.room.document !== undefined) {
      const write = (entry: NewAuditEntry): Promise<void> => access.audit(space, entry);
      this.presenceAudit = new PresenceAudit(
        write,
        publicKey,
        roomName(this.room),
        this.context.limits.presenceAuditAfterMs,
      );
    }
    if (record && !agreement) await this.attach(record);
  }

  private sendWelcome(record: DocumentRecord | undefined, agreement: AgreementInfo | null): void {
    this.sendMessage({
      type: 'welcome',
      protocol: this.protocol,
      you: {
        publicKey: this.publicKeyText!,
        name: this.user.name,
        fingerprint: this.user.fingerprint,
        color: this.user.color,
      },
      role: this.currentRole,
      admin: this.admin,
      spaceExists: this.spaceExists,
      document: record ? documentInfo(record) : null,
      agreement,
    });
  }

  /** The member signed the pending agreement: a second welcome, then content. */
  private async agreementSigned(): Promise<void> {
    if (this.state !== 'agreement') return;
    this.state = 'admitted';
    const record =
      this.room.document === undefined
        ? undefined
        : await this.context.storage.getDocument(this.room.space, this.room.document);
    this.sendWelcome(record, null);
    if (record) await this.attach(record);
  }

  /**
   * A non-member asked to join: the request is recorded (if the space exists; the answer is the same either
   * way) and the connection waits, receiving nothing, until a lead approves (admitted here) or denies.
   */
  private async awaitApproval(publicKey: PublicKeyText, ask: { name: string; message: string }): Promise<void> {
    let request;
    try {
      request = await this.context.governance.requestAccess(this.room.space, publicKey, ask.name, ask.message);
    } catch (error) {
      if (error instanceof TooManyRequests) return this.refuse(CloseCode.RateLimited, error.message, publicKey);
      throw error;
    }
    if (this.state !== 'verifying') return;
    clearTimeout(this.handshakeTimer);
    this.state = 'waiting';
    this.pendingRequestId =
      request?.id ??
      Array.from(crypto.getRandomValues(new Uint8Array(6)), (b) => b.toString(16).padStart(2, '0')).join('');
    this.context.waiting.add(this);
    this.waitTimer = setTimeout(
      () => this.close(CloseCode.Forbidden, 'access request still pending; ask again later'),
      this.context.limits.accessRequestWaitMs,
    );
    this.sendMessage({ type: 'access-pending', requestId: this.pendingRequestId });
  }

  /** Called by the relay when a lead resolved this connection's pending request. */
  async resolveRequest(requestId: string, approved: boolean): Promise<void> {
    if (this.state !== 'waiting' || requestId !== this.pendingRequestId) return;
    clearTimeout(this.waitTimer);
    if (!approved) return this.close(CloseCode.Forbidden, 'access request denied');
    const { member } = await this.context.access.lookup(this.room.space, this.publicKeyText!);
    if (!member) return this.close(CloseCode.Forbidden, 'access request denied');
    await this.admit(member, this.context.access.isAdmin(this.publicKeyText!), true);
  }

  get pendingRequest(): string | undefined {
    return this.state === 'waiting' ? this.pendingRequestId : undefined;
  }

  /** Whether this connection carries document content (for agreement changes). */
  get isDocumentChannel(): boolean {
    return this.room.document !== undefined;
  }

  /** Joins the live document: from here on sync and awareness flow. */
  private async attach(record: DocumentRecord): Promise<void> {
    const document = await this.context.documents.open(this.room.space, record);
    if (this.state !== 'admitted') {
      this.context.documents.release(document);
      return;
    }
    this.document = document;
    document.addPeer(this);
  }

  private async answer(message: RequestMessage): Promise<void> {
    const publicKey = this.publicKeyText!;
    try {
      const result = await handleRequest(
        this.context,
        {
          space: this.room.space,
          document: this.room.document,
          publicKey,
          ...(this.chosenName === undefined ? {} : { chosenName: this.chosenName }),
          role: this.currentRole,
          attached: this.document !== undefined,
          attach: (record) => this.attach(record),
          drain: () => this.document?.drain() ?? Promise.resolve(),
          agreementSigned: () => this.agreementSigned(),
        },
        message.request,
      );
      this.sendMessage({ type: 'response', id: message.id, ok: true, result });
    } catch (error) {
      if (!(error instanceof RequestFailure)) {
        this.context.logger.log('error', 'request failed', { op: message.request.op, error: String(error) });
      }
      const failure =
        error instanceof RequestFailure ? error : new RequestFailure('internal', 'the relay failed to do that');
      this.sendMessage({
        type: 'response',
        id: message.id,
        ok: false,
        error: { code: failure.code, message: failure.message },
      });
    }
  }

  // ---- refusal, failure, close

  /**
   * Refuses the handshake. The audit counts refusals at existing spaces only; the client gets the same close
   * code either way (existence is not revealed). Log and audit stay bounded (HandshakeRefusals).
   */
  private refuse(
    code: number,
    reason: string,
    claimedKey: PublicKeyText | null,
    spaceExists?: boolean,
    publicReason?: string,
  ): void {
    if (this.state === 'closed') return;
    this.admission.refused();
    this.context.refusals.record({
      space: this.room.space,
      room: roomName(this.room),
      code,
      reason,
      actor: claimedKey,
      address: this.admission.address,
      ...(spaceExists === undefined ? {} : { spaceExists }),
    });
    this.close(code, publicReason ?? (code === CloseCode.Forbidden ? 'access denied' : reason));
  }

  private onFailure(error: unknown): void {
    if (this.state === 'closed') return;
    if (error instanceof ProtocolViolation || isDecodingError(error)) {
      this.context.logger.log('info', 'protocol violation', { room: roomName(this.room), error: String(error) });
      return this.close(
        CloseCode.ProtocolError,
        error instanceof ProtocolViolation ? error.message : 'malformed frame',
      );
    }
    this.context.logger.log('error', 'connection failed', { room: roomName(this.room), error: String(error) });
    this.close(CloseCode.InternalError, 'relay error');
  }

  private onClosed(code: number): void {
    const wasAdmitted = this.context.admitted.delete(this);
    this.context.waiting.delete(this);
    this.state = 'closed';
    clearTimeout(this.handshakeTimer);
    clearTimeout(this.waitTimer);
    this.context.metrics.closes.inc({ code: String(code) });
    this.context.metrics.connections.dec({ state: wasAdmitted ? 'admitted' : 'handshake' });
    if (this.document) {
      this.document.removePeer(this);
      this.context.documents.release(this.document);
      this.document = undefined;
    }
    this.presenceAudit?.close(code);
  }

  private sendMessage(message: FromServerMessage): void {
    this.send(encodeServerMessage(message));
  }
}

function toBytes(data: unknown): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data as Buffer[]));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  const buffer = data as Buffer;
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** lib0's decoders throw plain Errors on truncated input; JSON.parse throws SyntaxError. */
function isDecodingError(error: unknown): boolean {
  return (
    error instanceof SyntaxError ||
    (error instanceof Error && /Unexpected end of array|Integer out of Range|out of bounds/i.test(error.message))
  );
}

/** Tags below 128 are one varint byte, so the first byte is the tag. */
function isDocumentFrame(bytes: Uint8Array): boolean {
  const tag = bytes[0];
  return tag === MessageTag.Sync || tag === MessageTag.Awareness || tag === MessageTag.QueryAwareness;
}
