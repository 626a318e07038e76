/**
 * How leads bring people in and keep a record: one-time invites, access requests (rate-limited, revealing
 * nothing about the space), and agreements members sign before they receive content. Events go to
 * listeners so the relay can notify leads live and admit an approved requester on their open connection.
 */
import {
  type AccessRequestInfo,
  agreementHash,
  agreementPayload,
  type AgreementInfo,
  type AgreementSignatureInfo,
  cleanDisplayName,
  fromBase64Url,
  type InviteInfo,
  MAX_AGREEMENT_BYTES,
  MAX_INVITE_SECONDS,
  MAX_REQUEST_MESSAGE,
  type PublicKeyText,
  type Role,
  type SpaceEvent,
  toBase64Url,
  verify,
} from '@enclave/shared';
import { RequestFailure } from '../control/request-failure.js';
import type { AccessRequestRecord, AgreementRecord, InviteRecord, MemberRecord, Storage } from '../storage/storage.js';
import { LastLeadError, StorageConflict } from '../storage/storage.js';
import { type AccessService, lastLeadAsFailure } from './access-service.js';

export interface GovernanceLimits {
  /** Access requests one key may make per hour, across spaces. */
  readonly requestsPerKeyPerHour: number;
  /** Pending requests a space holds at most; more are refused until leads act. */
  readonly pendingRequestsPerSpace: number;
}

export const DEFAULT_GOVERNANCE_LIMITS: GovernanceLimits = { requestsPerKeyPerHour: 5, pendingRequestsPerSpace: 50 };

export type GovernanceListener = (
  space: string,
  event: SpaceEvent | { kind: 'agreement-changed'; agreement: AgreementInfo },
) => void;

/** Why an invite admitted nobody; said to the invitee as the close reason. */
export type InviteRefusal =
  | 'invite not valid'
  | 'invite already used'
  | 'invite expired'
  | 'invite revoked'
  | 'invite would leave the space without a lead';

export class TooManyRequests extends Error {
  override readonly name = 'TooManyRequests';
}

const randomHex = (bytes: number): string =>
  Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, '0')).join('');

async function sha256Hex(text: string): Promise<string> {
  return agreementHash(text);
}

export class GovernanceService {
  private readonly listeners = new Set<GovernanceListener>();
  private readonly requestTimes = new Map<string, number[]>();

  constructor(
    private readonly storage: Storage,
    private readonly access: AccessService,
    private readonly limits: GovernanceLimits = DEFAULT_GOVERNANCE_LIMITS,
    /** Counts across relays (FanOut.count), so that a key cannot multiply its limit by the relays it tries. */
    private readonly sharedCount: (key: string, windowMs: number) => Promise<number | undefined> = async () =>
      undefined,
  ) {}

  onEvent(listener: GovernanceListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---------------------------------------------------------------- invites

  async createInvite(
    space: string,
    actor: PublicKeyText,
    role: Role,
    expiresInSeconds: number,
  ): Promise<{ invite: InviteInfo; token: string }> {
    await this.access.requireLead(space, actor);
    if (!(expiresInSeconds > 0 && expiresInSeconds <= MAX_INVITE_SECONDS)) {
      throw new RequestFailure('bad-request', `an invite expires after 1 s to ${MAX_INVITE_SECONDS / 86400} days`);
    }
    const token = toBase64Url(crypto.getRandomValues(new Uint8Array(32)));
    const now = new Date();
    const record: InviteRecord = {
      id: randomHex(6),
      tokenHash: await sha256Hex(token),
      role,
      created: now.toISOString(),
      expires: new Date(now.getTime() + expiresInSeconds * 1000).toISOString(),
      createdBy: actor,
      usedBy: null,
      usedAt: null,
      revokedAt: null,
    };
    await this.storage.createInvite(space, record);
    await this.access.audit(space, {
      event: 'invite-created',
      actor,
      role,
      reason: `invite ${record.id} until ${record.expires}`,
    });
    return { invite: inviteInfo(record), token };
  }

  async listInvites(space: string, actor: PublicKeyText): Promise<InviteInfo[]> {
    await this.access.requireLead(space, actor);
    return (await this.storage.listInvites(space)).map((r) => inviteInfo(r));
  }

  async revokeInvite(space: string, actor: PublicKeyText, id: string): Promise<InviteInfo> {
    await this.access.requireLead(space, actor);
    const now = new Date().toISOString();
    if (!(await this.storage.revokeInvite(space, id, now))) {
      const existing = (await this.storage.listInvites(space)).find((i) => i.id === id);
      if (!existing) throw new RequestFailure('not-found', `no invite ${id}`);
      throw new RequestFailure('conflict', `invite ${id} is already ${inviteInfo(existing).status}`);
    }
    await this.access.audit(space, { event: 'invite-revoked', actor, reason: `invite ${id}` });
    const revoked = (await this.storage.listInvites(space)).find((i) => i.id === id)!;
    return inviteInfo(revoked);
  }

  /**
   * Turns a valid invite into membership, under the name the newcomer chose (`name`, from their handshake);
   * otherwise says why not (for the close reason).
   */
  async redeem(
    space: string,
    publicKey: PublicKeyText,
    token: string,
    name?: string,
    proof?: string,
  ): Promise<MemberRecord | InviteRefusal> {
    const invite = await this.storage.findInvite(space, await sha256Hex(token));
    if (!invite) return 'invite not valid';
    const now = new Date().toISOString();
    const status = inviteInfo(invite, now).status;
    if (status !== 'open')
      return status === 'used' ? 'invite already used' : status === 'expired' ? 'invite expired' : 'invite revoked';
    const existing = await this.storage.getMember(space, publicKey);
    const member: MemberRecord = {
      publicKey,
      name: existing?.name ?? cleanDisplayName(name) ?? (await this.access.participant(publicKey, undefined)).name,
      role: invite.role,
      since: now,
      grantedBy: invite.createdBy,
    };
    try {
      if (!(await this.storage.redeemInvite(space, invite.id, member, now, proof))) return 'invite already used';
    } catch (error) {
      // The only lead redeeming an invite for a lesser role: storage keeps them lead and the invite open.
      if (error instanceof LastLeadError) return 'invite would leave the space without a lead';
      throw error;
    }
    await this.access.audit(space, {
      event: 'invite-used',
      actor: publicKey,
      actorName: member.name,
      subject: publicKey,
      subjectName: member.name,
      role: invite.role,
      reason: `invite ${invite.id}`,
    });
    return member;
  }

  // ---------------------------------------------------------------- access requests

  /**
   * Records a request, or returns undefined when the space does not exist (the caller answers the same way
   * either way). Throws TooManyRequests past the limits.
   */
  async requestAccess(
    space: string,
    publicKey: PublicKeyText,
    name: string,
    message: string,
    via?: 'directory',
  ): Promise<AccessRequestRecord | undefined> {
    this.countRequest(publicKey);
    const counted = await this.sharedCount(`access-requests:${publicKey}`, 3600_000);
    if (counted !== undefined && counted > this.limits.requestsPerKeyPerHour) {
      throw new TooManyRequests('too many access requests from this key');
    }
    if (!(await this.storage.getSpace(space))) return undefined;
    const requests = await this.storage.listAccessRequests(space);
    const pending = requests.filter((r) => r.status === 'pending');
    const mine = pending.find((r) => r.publicKey === publicKey);
    if (mine) return mine;
    if (pending.length >= this.limits.pendingRequestsPerSpace)
      throw new TooManyRequests('this space has too many pending requests');
    const record: AccessRequestRecord = {
      id: randomHex(6),
      publicKey,
      name: cleanDisplayName(name) ?? (await this.access.participant(publicKey, undefined)).name,
      message: message.trim().slice(0, MAX_REQUEST_MESSAGE),
      created: new Date().toISOString(),
      status: 'pending',
      resolvedBy: null,
      resolvedAt: null,
      ...(via ? { via } : {}),
    };
    await this.storage.createAccessRequest(space, record);
    await this.access.audit(space, {
      event: 'access-requested',
      actor: publicKey,
      actorName: record.name,
      reason: `request ${record.id}${via ? ' from the directory' : ''}`,
    });
    this.emit(space, { kind: 'access-request', request: await this.requestInfo(record) });
    return record;
  }

  async listRequests(
    space: string,
    actor: PublicKeyText,
    status?: AccessRequestRecord['status'],
  ): Promise<AccessRequestInfo[]> {
    await this.access.requireLead(space, actor);
    const records = (await this.storage.listAccessRequests(space)).filter((r) => !status || r.status === status);
    return Promise.all(records.map((r) => this.requestInfo(r)));
  }

  /** Approves a pending request and grants its requester `role`, in one storage step. */
  async approve(
    space: string,
    actor: PublicKeyText,
    id: string,
    role: Role,
  ): Promise<{ request: AccessRequestInfo; member: MemberRecord }> {
    await this.access.requireLead(space, actor);
    const pending = await this.pendingRequest(space, id);
    const existing = await this.storage.getMember(space, pending.publicKey);
    const member = await this.access.memberRecord(actor, pending.publicKey, role, pending.name, existing);
    const at = new Date().toISOString();
    // Storage approves and grants together, only while pending: of two leads approving at once, one wins.
    if (!(await lastLeadAsFailure(this.storage.approveAccessRequest(space, id, member, actor, at)))) {
      await this.resolvedMeanwhile(space, id);
    }
    const request: AccessRequestRecord = { ...pending, status: 'approved', resolvedBy: actor, resolvedAt: at };
    await this.auditResolution(space, actor, request);
    await this.access.granted(space, actor, member, existing);
    const info = await this.requestInfo(request);
    this.emit(space, { kind: 'access-request-resolved', request: info });
    return { request: info, member };
  }

  async deny(space: string, actor: PublicKeyText, id: string): Promise<AccessRequestInfo> {
    await this.access.requireLead(space, actor);
    const pending = await this.pendingRequest(space, id);
    const at = new Date().toISOString();
    if (!(await this.storage.denyAccessRequest(space, id, actor, at))) await this.resolvedMeanwhile(space, id);
    const request: AccessRequestRecord = { ...pending, status: 'denied', resolvedBy: actor, resolvedAt: at };
    await this.auditResolution(space, actor, request);
    const info = await this.requestInfo(request);
    this.emit(space, { kind: 'access-request-resolved', request: info });
    return info;
  }

  // ---------------------------------------------------------------- agreements

  async setAgreement(space: string, actor: PublicKeyText, text: string): Promise<AgreementInfo> {
    await this.access.requireLead(space, actor);
    if (new TextEncoder().encode(text).length > MAX_AGREEMENT_BYTES || text.trim() === '') {
      throw new RequestFailure('bad-request', `an agreement is 1 to ${MAX_AGREEMENT_BYTES} bytes of text`);
    }
    const previous = await this.storage.getAgreement(space);
    const hash = await sha256Hex(text);
    if (previous?.hash === hash) return previous;
    const record: AgreementRecord = {
      version: (previous?.version ?? 0) + 1,
      hash,
      text,
      setBy: actor,
      set: new Date().toISOString(),
    };
    try {
      await this.storage.addAgreement(space, record);
    } catch (error) {
      if (error instanceof StorageConflict)
        throw new RequestFailure('conflict', 'the agreement changed meanwhile; try again');
      throw error;
    }
    await this.access.audit(space, {
      event: 'agreement-set',
      actor,
      reason: `version ${record.version} sha256 ${hash}`,
    });
    this.emit(space, { kind: 'agreement-changed', agreement: record });
    return record;
  }

  async currentAgreement(space: string): Promise<AgreementInfo | undefined> {
    return this.storage.getAgreement(space);
  }

  /** The agreement this member still has to sign, or null. */
  async pendingAgreement(space: string, publicKey: string): Promise<AgreementInfo | null> {
    const agreement = await this.storage.getAgreement(space);
    if (!agreement) return null;
    return (await this.storage.getAgreementSignature(space, agreement.version, publicKey)) ? null : agreement;
  }

  async sign(
    space: string,
    publicKey: PublicKeyText,
    version: number,
    hash: string,
    signature: string,
  ): Promise<AgreementSignatureInfo> {
    const agreement = await this.storage.getAgreement(space);
    if (!agreement) throw new RequestFailure('not-found', 'this space has no agreement');
    if (agreement.version !== version || agreement.hash !== hash) {
      throw new RequestFailure('conflict', `the agreement is now version ${agreement.version}: read it again`);
    }
    let bytes: Uint8Array;
    try {
      bytes = fromBase64Url(signature);
    } catch {
      throw new RequestFailure('bad-request', 'the signature is not base64url');
    }
    if (!(await verify(publicKey, bytes, agreementPayload(space, version, hash)))) {
      throw new RequestFailure('bad-request', 'the signature does not verify for your key and this agreement');
    }
    const record = { version, hash, publicKey, signature, signed: new Date().toISOString() };
    await this.storage.addAgreementSignature(space, record);
    await this.access.audit(space, {
      event: 'agreement-signed',
      actor: publicKey,
      reason: `version ${version} sha256 ${hash}`,
    });
    return record;
  }

  async listSignatures(space: string, actor: PublicKeyText): Promise<AgreementSignatureInfo[]> {
    await this.access.requireLead(space, actor);
    return this.storage.listAgreementSignatures(space);
  }

  // ---------------------------------------------------------------- internals

  /** The request while it is pending; otherwise the failure to answer with (not found, already resolved). */
  private async pendingRequest(space: string, id: string): Promise<AccessRequestRecord> {
    const request = await this.storage.getAccessRequest(space, id);
    if (!request) throw new RequestFailure('not-found', `no access request ${id}`);
    if (request.status !== 'pending')
      throw new RequestFailure('conflict', `request ${id} was already ${request.status}`);
    return request;
  }

  /** Another lead (on any relay) resolved the request between our read and our write: say how. */
  private async resolvedMeanwhile(space: string, id: string): Promise<never> {
    await this.pendingRequest(space, id);
    throw new RequestFailure('conflict', `request ${id} changed meanwhile; look again`);
  }

  private async auditResolution(space: string, actor: PublicKeyText, request: AccessRequestRecord): Promise<void> {
    await this.access.audit(space, {
      event: request.status === 'approved' ? 'request-approved' : 'request-denied',
      actor,
      subject: request.publicKey,
      subjectName: request.name,
      reason: `request ${request.id}`,
    });
  }

  private countRequest(publicKey: string): void {
    const hourAgo = Date.now() - 3600_000;
    const times = (this.requestTimes.get(publicKey) ?? []).filter((t) => t > hourAgo);
    if (times.length >= this.limits.requestsPerKeyPerHour)
      throw new TooManyRequests('too many access requests from this key');
    times.push(Date.now());
    if (this.requestTimes.size > 10_000) this.requestTimes.clear(); // bounded: keys are free to make
    this.requestTimes.set(publicKey, times);
  }

  private async requestInfo(record: AccessRequestRecord): Promise<AccessRequestInfo> {
    const { fingerprint } = await this.access.participant(record.publicKey, undefined);
    const info: AccessRequestInfo = {
      id: record.id,
      publicKey: record.publicKey,
      name: record.name,
      fingerprint,
      message: record.message,
      created: record.created,
      status: record.status,
      ...(record.via ? { via: record.via } : {}),
    };
    return record.resolvedBy ? { ...info, resolvedBy: record.resolvedBy, resolvedAt: record.resolvedAt! } : info;
  }

  private emit(space: string, event: Parameters<GovernanceListener>[1]): void {
    for (const listener of this.listeners) listener(space, event);
  }
}

function inviteInfo(record: InviteRecord, now = new Date().toISOString()): InviteInfo {
  const status = record.usedBy ? 'used' : record.revokedAt ? 'revoked' : record.expires <= now ? 'expired' : 'open';
  const info: InviteInfo = {
    id: record.id,
    role: record.role,
    created: record.created,
    expires: record.expires,
    createdBy: record.createdBy,
    status,
  };
  if (!record.usedBy) return info;
  const used = { ...info, usedBy: record.usedBy, usedAt: record.usedAt! };
  return record.usedProof ? { ...used, usedProof: record.usedProof } : used;
}
