/**
 * An admitted connection: control requests, and the document's frames once the member may have content.
 * Until the member has signed the space's current agreement (if it has one) only agreement requests are
 * answered and document frames are dropped; then a second welcome, and content. This is the connection's
 * DocumentPeer: what a document sees of it.
 */
import type * as decoding from 'lib0/decoding';
import {
  type AgreementInfo,
  canWrite,
  decodeClientMessage,
  encodeServerMessage,
  type FromServerMessage,
  MessageTag,
  ProtocolViolation,
  type PublicKeyText,
  type RequestMessage,
  type Role,
  type RoomAddress,
  roomName,
  type SpaceEvent,
} from '@enclave/shared';
import { documentInfo, handleRequest, type RequestServices } from '../control/request-handlers.js';
import { RequestFailure } from '../control/request-failure.js';
import type { StampedUser } from '../documents/awareness-stamp.js';
import type { DocumentPeer } from '../documents/document-peer.js';
import type { DocumentRegistry } from '../documents/document-registry.js';
import type { RelayDocument } from '../documents/relay-document.js';
import type { Logger } from '../observability/logger.js';
import type { RelayMetrics } from '../observability/metrics.js';
import type { DocumentRecord } from '../storage/storage.js';
import type { FramedMessages } from '../transport/websocket-frame.js';

export interface SessionContext extends RequestServices {
  readonly documents: DocumentRegistry;
  readonly metrics: RelayMetrics;
  readonly logger: Logger;
}

export interface Admitted {
  readonly publicKey: PublicKeyText;
  readonly protocol: number;
  /** Set in sealed spaces: the epoch current when the member was admitted. */
  readonly sealedEpoch?: number;
  /** The name the client chose in its handshake. */
  readonly chosenName?: string;
  readonly role: Role | null;
  readonly user: StampedUser;
  readonly admin: boolean;
  readonly spaceExists: boolean;
  /** The client's address as the admission limits count it (directory reads are limited per address). */
  readonly address: string;
}

/** What the session needs from its connection. */
export interface SessionLink {
  send(frame: Uint8Array): void;
  sendFramed(wire: FramedMessages): void;
  close(code: number, reason: string): void;
}

const READ_ONLY_NOTICE_INTERVAL_MS = 5_000;

export class MemberSession implements DocumentPeer {
  private phase: 'agreement' | 'content' | 'ended';
  private role: Role | null;
  private document: RelayDocument | undefined;
  private lastReadOnlyNotice = -Infinity;

  constructor(
    private readonly context: SessionContext,
    private readonly room: RoomAddress,
    private readonly who: Admitted,
    private readonly link: SessionLink,
    agreement: AgreementInfo | null,
  ) {
    this.role = who.role;
    this.phase = agreement ? 'agreement' : 'content';
  }

  get publicKey(): PublicKeyText {
    return this.who.publicKey;
  }

  get currentRole(): Role | null {
    return this.role;
  }

  /** The first welcome, then (without a pending agreement) the document's content. */
  async start(record: DocumentRecord | undefined, agreement: AgreementInfo | null): Promise<void> {
    this.sendWelcome(record, agreement);
    if (record && !agreement) await this.attach(record);
  }

  /** Whether a frame may skip the connection's queue: a document frame once content flows. */
  takesAtOnce(tag: number): boolean {
    return this.phase === 'content' && isDocumentTag(tag);
  }

  /** One frame from the member. */
  receive(tag: number, decoder: decoding.Decoder): Promise<void> | void {
    if (tag === MessageTag.Enclave) {
      this.context.metrics.hot.controlFrames++;
      const message = decodeClientMessage(decoder);
      if (message.type !== 'request') throw new ProtocolViolation('already authenticated');
      if (
        this.phase === 'agreement' &&
        message.request.op !== 'agreement.get' &&
        message.request.op !== 'agreement.sign'
      ) {
        return this.sendMessage({
          type: 'response',
          id: message.id,
          ok: false,
          error: { code: 'agreement-required', message: "sign the space's agreement first" },
        });
      }
      return this.answer(message);
    }
    if (this.phase !== 'content') return; // document frames before the agreement is signed are dropped
    if (tag === MessageTag.Sync) this.context.metrics.hot.syncFrames++;
    else if (tag === MessageTag.Awareness) this.context.metrics.hot.awarenessFrames++;
    if (!this.document) throw new ProtocolViolation('no document is open on this connection');
    return this.document.receive(this, tag, decoder);
  }

  /** Live events for leads on the space channel. */
  notify(event: SpaceEvent): void {
    if (this.phase !== 'ended') this.sendMessage({ type: 'space-event', event });
  }

  /** The member's role changed while connected. */
  changeRole(role: Role): void {
    if (this.phase === 'ended' || this.role === role) return;
    this.role = role;
    this.sendMessage({ type: 'role-changed', role });
  }

  notice(code: 'epoch-changed', message: string): void {
    if (this.phase !== 'ended') this.sendMessage({ type: 'notice', code, message });
  }

  /** The connection closed: leave the document. */
  end(): void {
    this.phase = 'ended';
    if (this.document) {
      this.document.removePeer(this);
      this.context.documents.release(this.document);
      this.document = undefined;
    }
  }

  // ---- DocumentPeer

  get canWrite(): boolean {
    return this.role !== null && canWrite(this.role);
  }

  get user(): StampedUser {
    return this.who.user;
  }

  get protocol(): number {
    return this.who.protocol;
  }

  send(frame: Uint8Array): void {
    this.link.send(frame);
  }

  sendFramed(wire: FramedMessages): void {
    this.link.sendFramed(wire);
  }

  close(code: number, reason: string): void {
    this.link.close(code, reason);
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

  // ---- internals

  private sendWelcome(record: DocumentRecord | undefined, agreement: AgreementInfo | null): void {
    const { publicKey, protocol, user, admin, spaceExists } = this.who;
    this.sendMessage({
      type: 'welcome',
      protocol,
      you: { publicKey, name: user.name, fingerprint: user.fingerprint, color: user.color },
      role: this.role,
      admin,
      spaceExists,
      document: record ? documentInfo(record) : null,
      agreement,
      ...(this.who.sealedEpoch === undefined ? {} : { sealed: { epoch: this.who.sealedEpoch } }),
    });
  }

  /** The member signed the pending agreement: a second welcome, then content. */
  private async agreementSigned(): Promise<void> {
    if (this.phase !== 'agreement') return;
    this.phase = 'content';
    const { space, document } = this.room;
    const record = document === undefined ? undefined : await this.context.storage.getDocument(space, document);
    this.sendWelcome(record, null);
    if (record) await this.attach(record);
  }

  /** Joins the document: from here on its frames flow. */
  private async attach(record: DocumentRecord): Promise<void> {
    const document = await this.context.documents.open(this.room.space, record);
    if (this.phase !== 'content') {
      this.context.documents.release(document);
      return;
    }
    this.document = document;
    document.addPeer(this);
  }

  private async answer(message: RequestMessage): Promise<void> {
    try {
      const result = await handleRequest(
        this.context,
        {
          space: this.room.space,
          document: this.room.document,
          publicKey: this.who.publicKey,
          ...(this.who.chosenName === undefined ? {} : { chosenName: this.who.chosenName }),
          role: this.role,
          protocol: this.who.protocol,
          address: this.who.address,
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
        this.context.logger.log('error', 'request failed', {
          op: message.request.op,
          room: roomName(this.room),
          error: String(error),
        });
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

  private sendMessage(message: FromServerMessage): void {
    this.link.send(encodeServerMessage(message));
  }
}

/** Frames the open document handles itself (its own queue keeps storage and forwarding in order). */
function isDocumentTag(tag: number): boolean {
  return (
    tag === MessageTag.Sync ||
    tag === MessageTag.Awareness ||
    tag === MessageTag.QueryAwareness ||
    tag === MessageTag.Sealed
  );
}
