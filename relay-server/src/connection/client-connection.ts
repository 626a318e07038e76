/**
 * One client's WebSocket, from challenge to close, as phases: the handshake (handshake.ts decides), an
 * access request's wait (access-request-wait.ts), then the member's session (member-session.ts). Until the
 * handshake succeeds the client receives the challenge and nothing else: no document bytes, no presence,
 * nothing that says whether the space or document exists. Every inbound frame is untrusted: decoded inside
 * a guard, processed in order (frame-channel.ts), and any failure closes this connection only.
 */
import * as decoding from 'lib0/decoding';
import type { WebSocket } from 'ws';
import {
  CloseCode,
  decodeClientMessage,
  isDirectoryRoom,
  isRelayChannel,
  encodeServerMessage,
  type FromServerMessage,
  MessageTag,
  newNonce,
  ProtocolViolation,
  type PublicKeyText,
  type Role,
  type RoomAddress,
  type SpaceEvent,
  roomName,
  readTag,
  SUPPORTED_PROTOCOL_VERSIONS,
} from '@enclave/shared';
import { TooManyRequests } from '../access/governance-service.js';
import { PresenceAudit } from '../access/presence-audit.js';
import type { RelayLimits } from '../config.js';
import { stampedUser } from '../documents/awareness-stamp.js';
import type { DocumentRegistry } from '../documents/document-registry.js';
import type { Logger } from '../observability/logger.js';
import type { RelayMetrics } from '../observability/metrics.js';
import { type NewAuditEntry, type Storage, StorageUnavailable } from '../storage/storage.js';
import type { AccessService } from '../access/access-service.js';
import type { GovernanceService } from '../access/governance-service.js';
import type { DirectoryService } from '../directory/directory-service.js';
import { AccessRequestWait } from './access-request-wait.js';
import type { AdmissionLease } from './admission-limits.js';
import { FrameChannel, type FrameHandler, type RawStream } from './frame-channel.js';
import { decideHandshake, type HandshakeOutcome, type Refusal, refusal } from './handshake.js';
import type { HandshakeRefusals } from './handshake-refusals.js';
import { isPing, PONG_FRAME } from './keep-alive.js';
import { MemberSession } from './member-session.js';
import type { KeyService } from '../sealed/key-service.js';
import type { MembershipChainService } from '../sealed/membership-chain-service.js';

export interface ConnectionContext {
  readonly relayId: PublicKeyText;
  readonly access: AccessService;
  readonly storage: Storage;
  readonly documents: DocumentRegistry;
  readonly metrics: RelayMetrics;
  readonly logger: Logger;
  readonly limits: RelayLimits;
  readonly governance: GovernanceService;
  readonly directory: DirectoryService;
  /** The service's public addresses, for invite links. */
  readonly publicUrls: readonly string[];
  /** Admitted connections, so that revocations and role changes reach them. */
  readonly admitted: Set<ClientConnection>;
  /** Connections of non-members waiting for their access request to be resolved. */
  readonly waiting: Set<ClientConnection>;
  /** Counts, logs and audits refused handshakes, bounded. */
  readonly refusals: HandshakeRefusals;
  /** Sealed spaces' keys and epochs. */
  readonly keys: KeyService;
  /** Sealed spaces' membership chains. */
  readonly chain: MembershipChainService;
  /** Offered in the challenge: clients ping after this long without a frame (keep-alive.ts). */
  readonly heartbeatMs: number;
}

/** challenged -> verifying -> member, or -> waiting (access request) -> member; any -> closed. */
type Phase = 'challenged' | 'verifying' | 'waiting' | 'member' | 'closed';

export class ClientConnection implements FrameHandler {
  private phase: Phase = 'challenged';
  private readonly nonce = newNonce();
  private readonly handshakeTimer: ReturnType<typeof setTimeout>;
  /** Ends a directory visit (RelayLimits.directoryVisitMs). */
  private visitTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly channel: FrameChannel;
  private claimedKey: PublicKeyText | undefined;
  private wait: AccessRequestWait | undefined;
  private session: MemberSession | undefined;
  /** Writes this document channel's 'joined' and 'left' entries, if it is one. */
  private presenceAudit: PresenceAudit | undefined;

  constructor(
    socket: WebSocket,
    /** The TCP socket under `socket`. */
    stream: RawStream,
    readonly room: RoomAddress,
    private readonly context: ConnectionContext,
    /** This connection's place in the relay's admission limits. */
    private readonly admission: AdmissionLease,
  ) {
    this.channel = new FrameChannel(socket, stream, context.limits, context.metrics, this, (error) =>
      context.logger.log('debug', 'socket error', { error: error.message }),
    );
    this.handshakeTimer = setTimeout(
      () => this.refuse(refusal(CloseCode.HandshakeTimeout, 'no answer to the challenge', null)),
      context.limits.handshakeTimeoutMs,
    );
    context.metrics.connections.inc({ state: 'handshake' });
    this.sendMessage({
      type: 'challenge',
      protocols: SUPPORTED_PROTOCOL_VERSIONS,
      relayId: context.relayId,
      nonce: this.nonce,
      heartbeatMs: context.heartbeatMs,
    });
  }

  get publicKey(): PublicKeyText | undefined {
    return this.claimedKey;
  }

  get role(): Role | null {
    return this.session?.currentRole ?? null;
  }

  /** Whether this connection carries document content (for agreement changes). */
  get isDocumentChannel(): boolean {
    return this.room.document !== undefined;
  }

  get pendingRequest(): string | undefined {
    return this.phase === 'waiting' ? this.wait?.requestId : undefined;
  }

  close(code: number, reason: string): void {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    clearTimeout(this.handshakeTimer);
    clearTimeout(this.visitTimer);
    this.wait?.stop();
    this.channel.close(code, reason);
  }

  // ---- what the relay tells admitted connections

  /** Live events for leads on the space channel. */
  notify(event: SpaceEvent): void {
    this.session?.notify(event);
  }

  /** The member's role changed while connected. */
  changeRole(role: Role): void {
    this.session?.changeRole(role);
  }

  /** The sealed space started a new epoch: the client fetches its key and seals with it from now on. */
  epochChanged(epoch: number): void {
    this.session?.notice('epoch-changed', `the space is now at epoch ${epoch}: fetch its key`);
  }

  /** A lead resolved this connection's pending access request. */
  async resolveRequest(requestId: string, approved: boolean): Promise<void> {
    if (this.phase !== 'waiting' || requestId !== this.wait?.requestId) return;
    this.wait.stop();
    if (!approved) return this.close(CloseCode.Forbidden, 'access request denied');
    const publicKey = this.claimedKey!;
    const { space, member } = await this.context.access.lookup(this.room.space, publicKey);
    if (!member) return this.close(CloseCode.Forbidden, 'access request denied');
    if (space?.sealed && this.protocol < 2) {
      return this.close(CloseCode.UpgradeRequired, 'this space is sealed: upgrade Enclave (protocol 2) to open it');
    }
    await this.admit({
      kind: 'admit',
      publicKey,
      protocol: this.protocol,
      member,
      admin: this.context.access.isAdmin(publicKey),
      spaceExists: true,
      sealed: Boolean(space?.sealed),
    });
  }

  private protocol = 0;

  // ---- FrameHandler

  takeAtOnce(bytes: Uint8Array): boolean {
    if (this.answeredPing(bytes)) return true;
    // The hot path: a member's edit or presence, handled at once; the document's own queue keeps storage
    // and forwarding in order, and waiting here too would only add promises per edit.
    if (this.phase !== 'member' || !this.session!.takesAtOnce(bytes[0]!)) return false;
    const decoder = decoding.createDecoder(bytes);
    this.session!.receive(readTag(decoder), decoder)?.catch(this.failedLater);
    return true;
  }

  async process(bytes: Uint8Array): Promise<void> {
    if (this.phase === 'closed' || this.answeredPing(bytes)) return;
    const decoder = decoding.createDecoder(bytes);
    const tag = readTag(decoder);
    switch (this.phase) {
      case 'member':
        return this.session!.receive(tag, decoder);
      case 'waiting':
        throw new ProtocolViolation('waiting for a lead: send nothing');
      case 'verifying':
        return this.refuse(refusal(CloseCode.Unauthenticated, 'authenticate first', null));
      case 'challenged': {
        // A stock y-websocket client starts with a sync frame: it is closed here, having received nothing.
        if (tag !== MessageTag.Enclave)
          return this.refuse(refusal(CloseCode.Unauthenticated, 'authenticate first', null));
        const message = decodeClientMessage(decoder);
        if (message.type !== 'authenticate') {
          return this.refuse(refusal(CloseCode.Unauthenticated, 'authenticate first', null));
        }
        this.phase = 'verifying';
        return this.act(await decideHandshake(this.context, this.room, this.nonce, message));
      }
    }
  }

  failed(error: unknown): void {
    if (this.phase === 'closed') return;
    if (error instanceof ProtocolViolation || isDecodingError(error)) {
      this.context.logger.log('info', 'protocol violation', { room: roomName(this.room), error: String(error) });
      return this.close(
        CloseCode.ProtocolError,
        error instanceof ProtocolViolation ? error.message : 'malformed frame',
      );
    }
    this.context.logger.log('error', 'connection failed', { room: roomName(this.room), error: String(error) });
    // The client reconnects either way; this tells its person the relay is not at fault for long.
    this.close(
      CloseCode.InternalError,
      error instanceof StorageUnavailable ? 'storage unavailable; retrying' : 'relay error',
    );
  }

  private readonly failedLater = (error: unknown): void => this.failed(error);

  /** Heartbeats are answered at once in any phase after the handshake answer; before it they are refused. */
  private answeredPing(bytes: Uint8Array): boolean {
    if (this.phase === 'challenged' || !isPing(bytes)) return false;
    this.channel.send(PONG_FRAME);
    return true;
  }

  closed(code: number): void {
    const wasAdmitted = this.context.admitted.delete(this);
    this.context.waiting.delete(this);
    this.phase = 'closed';
    clearTimeout(this.handshakeTimer);
    clearTimeout(this.visitTimer);
    this.wait?.stop();
    this.context.metrics.closes.inc({ code: String(code) });
    this.context.metrics.connections.dec({ state: wasAdmitted ? 'admitted' : 'handshake' });
    this.session?.end();
    this.presenceAudit?.close(code);
  }

  // ---- phases

  private async act(outcome: HandshakeOutcome): Promise<void> {
    if (outcome.kind === 'refuse') return this.refuse(outcome);
    this.claimedKey = outcome.publicKey;
    this.protocol = outcome.protocol;
    if (outcome.kind === 'ask') return this.awaitApproval(outcome.publicKey, outcome.ask);
    return this.admit(outcome);
  }

  private async awaitApproval(
    publicKey: PublicKeyText,
    ask: { name: string; message: string; via?: 'directory' },
  ): Promise<void> {
    let wait: AccessRequestWait;
    try {
      wait = await AccessRequestWait.begin(this.context.governance, this.room.space, publicKey, ask);
    } catch (error) {
      if (error instanceof TooManyRequests)
        return this.refuse(refusal(CloseCode.RateLimited, error.message, publicKey));
      throw error;
    }
    if (this.phase !== 'verifying') return;
    clearTimeout(this.handshakeTimer);
    this.phase = 'waiting';
    this.wait = wait;
    this.context.waiting.add(this);
    wait.expireAfter(this.context.limits.accessRequestWaitMs, () =>
      this.close(CloseCode.Forbidden, 'access request still pending; ask again later'),
    );
    this.sendMessage({ type: 'access-pending', requestId: wait.requestId });
  }

  /**
   * Sends the welcome. Content (sync, presence) follows only once the member has signed the space's current
   * agreement, if it has one (MemberSession).
   */
  private async admit(outcome: Extract<HandshakeOutcome, { kind: 'admit' }>): Promise<void> {
    const { access, governance, storage } = this.context;
    const { space, document } = this.room;
    const { publicKey, member, admin, spaceExists } = outcome;
    const record = document === undefined ? undefined : await storage.getDocument(space, document);
    const participant = await access.participant(publicKey, member?.name);
    const agreement = member ? await governance.pendingAgreement(space, publicKey) : null;
    const sealedEpoch = outcome.sealed ? await this.context.keys.epochs.current(space) : undefined;
    if (this.phase !== 'verifying' && this.phase !== 'waiting') return; // closed meanwhile
    clearTimeout(this.handshakeTimer);
    this.phase = 'member';
    const session = new MemberSession(
      this.context,
      this.room,
      {
        publicKey,
        protocol: outcome.protocol,
        ...(sealedEpoch === undefined ? {} : { sealedEpoch }),
        ...(outcome.chosenName === undefined ? {} : { chosenName: outcome.chosenName }),
        role: member?.role ?? null,
        user: stampedUser(participant),
        admin,
        spaceExists,
        address: this.admission.address,
      },
      {
        send: (frame) => this.channel.send(frame),
        sendFramed: (wire) => this.channel.sendFramed(wire),
        close: (code, reason) => this.close(code, reason),
      },
      agreement,
    );
    this.session = session;
    this.context.waiting.delete(this);
    this.context.admitted.add(this);
    this.admission.admitted();
    this.context.metrics.connections.dec({ state: 'handshake' });
    this.context.metrics.connections.inc({ state: 'admitted' });
    this.context.metrics.handshakes.inc({ outcome: 'admitted' });
    // The directory and the relay channel admit any signed key: a stranger must not hold a connection there.
    if (isDirectoryRoom(this.room) || isRelayChannel(this.room)) {
      const what = isDirectoryRoom(this.room) ? 'directory' : 'relay channel';
      this.visitTimer = setTimeout(
        () => this.close(1000, `${what} visit over: connect again to ask again`),
        this.context.limits.directoryVisitMs,
      );
    }
    if (spaceExists && document !== undefined) {
      const write = (entry: NewAuditEntry): Promise<void> => access.audit(space, entry);
      this.presenceAudit = new PresenceAudit(
        write,
        publicKey,
        roomName(this.room),
        this.context.limits.presenceAuditAfterMs,
      );
    }
    await session.start(record, agreement);
  }

  /**
   * Refuses the handshake. The audit counts refusals at existing spaces only; the client gets the same close
   * code either way (existence is not revealed). Log and audit stay bounded (HandshakeRefusals).
   */
  private refuse(outcome: Refusal): void {
    if (this.phase === 'closed') return;
    const { code, reason, claimedKey, spaceExists, publicReason } = outcome;
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

  private sendMessage(message: FromServerMessage): void {
    this.channel.send(encodeServerMessage(message));
  }
}

/** lib0's decoders throw plain Errors on truncated input; JSON.parse throws SyntaxError. */
function isDecodingError(error: unknown): boolean {
  return (
    error instanceof SyntaxError ||
    (error instanceof Error && /Unexpected end of array|Integer out of Range|out of bounds/i.test(error.message))
  );
}
