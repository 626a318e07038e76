/**
 * Enclave's own messages: the one table both ends import. They travel as JSON inside binary frames
 * tagged `MessageTag.Enclave` (see frames.ts), beside y-websocket's sync and awareness frames.
 * Every inbound message is untrusted: `parseFromClient` / `parseFromServer` validate each field.
 */
import { isPublicKeyText, type PublicKeyText } from '../identity/keys.js';
import { type DocumentKind, isDocumentKind } from '../schema/document-kind.js';
import type { AuditEntry, Member, Participant, Role } from './access.js';
import { isRole } from './access.js';
import { MAX_DISPLAY_NAME } from './display-names.js';
import { type DirectoryEntry, LISTING_LIMITS, type SignedListing } from './directory.js';
import type { MembershipStatement } from '../sealed/membership-chain.js';
import type {
  AccessRequestInfo,
  AccessRequestStatus,
  AgreementInfo,
  AgreementSignatureInfo,
  InviteInfo,
  SpaceEvent,
} from './governance.js';

// ---------------------------------------------------------------- relay -> client

/** First message on every connection. Nothing about the room is said before the client is admitted. */
export interface ChallengeMessage {
  readonly type: 'challenge';
  /** Protocol versions the relay speaks. */
  readonly protocols: readonly number[];
  /** The relay's own public key; signed by the client so a signature is useless at another relay. */
  readonly relayId: PublicKeyText;
  /** 32 random bytes, base64url, valid for this connection only and until the handshake timeout. */
  readonly nonce: string;
  /**
   * Present when the relay answers `ping` with `pong` (an addition within version 1): a client should ping
   * after this many ms without a frame from the relay. Absent from older relays; clients must not ping them.
   */
  readonly heartbeatMs?: number;
}

/** The client is admitted. Sync and awareness may start. */
export interface WelcomeMessage {
  readonly type: 'welcome';
  readonly protocol: number;
  /** The identity as the relay knows it (name from the access list, not from the client). */
  readonly you: Participant;
  /** The member's role, or null for a relay admin who is not a member of this space. */
  readonly role: Role | null;
  /** Whether the identity is a relay admin (may create spaces). */
  readonly admin: boolean;
  /** Whether the space exists; false only for admins, who may create it. */
  readonly spaceExists: boolean;
  /** The document's record, or null when it does not exist yet (document rooms only). */
  readonly document: DocumentInfo | null;
  /**
   * The space's agreement when this member has not signed its current version: until they do (request
   * `agreement.sign`), the relay sends no content; after it, a second welcome with `agreement: null` follows.
   */
  readonly agreement: AgreementInfo | null;
  /** Protocol 2: the space is sealed (the room speaks sealed frames, sealed-frames.ts) and its current epoch. */
  readonly sealed?: { readonly epoch: number };
}

/** An access request was recorded; the connection stays open and is admitted (welcome) if a lead approves. */
export interface AccessPendingMessage {
  readonly type: 'access-pending';
  readonly requestId: string;
}

/** Live events for leads on the space channel. */
export interface SpaceEventMessage {
  readonly type: 'space-event';
  readonly event: SpaceEvent;
}

export interface DocumentInfo {
  readonly name: string;
  readonly kind: DocumentKind;
  /** ISO 8601. */
  readonly created: string;
  /** Bytes of stored state, approximate (snapshot plus pending updates). */
  readonly size?: number;
  /** Sealed spaces: `name` is an opaque id, and this is the real name, sealed (base64url). */
  readonly sealedName?: string;
}

/** One space of the caller's, as `spaces.mine` lists it. */
export interface MySpaceInfo {
  readonly name: string;
  readonly role: Role;
  /** Sealed spaces need protocol 2 to open. */
  readonly sealed: boolean;
}

export type ErrorCode =
  | 'bad-request'
  | 'forbidden'
  | 'not-found'
  | 'conflict'
  | 'read-only'
  | 'last-lead'
  | 'agreement-required'
  /** Too many requests of this kind (directory reads); the message says when to try again. */
  | 'rate-limited'
  | 'internal';

export interface EnclaveError {
  readonly code: ErrorCode;
  readonly message: string;
}

export type ResponseMessage =
  | { readonly type: 'response'; readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly type: 'response'; readonly id: number; readonly ok: false; readonly error: EnclaveError };

/** Something the client should show: e.g. a viewer's edit was dropped. */
export interface NoticeMessage {
  readonly type: 'notice';
  /** 'epoch-changed': a sealed space started a new epoch; fetch its key (keys.mine) and seal with it. */
  readonly code: ErrorCode | 'epoch-changed';
  readonly message: string;
}

/** The answer to a client's `ping`: proof that the relay is alive and reading this connection. */
export interface PongMessage {
  readonly type: 'pong';
}

/** The member's role changed while connected (a revoke closes the connection instead). */
export interface RoleChangedMessage {
  readonly type: 'role-changed';
  readonly role: Role;
}

export type FromServerMessage =
  | ChallengeMessage
  | WelcomeMessage
  | AccessPendingMessage
  | SpaceEventMessage
  | ResponseMessage
  | NoticeMessage
  | RoleChangedMessage
  | PongMessage;

// ---------------------------------------------------------------- client -> relay

/** Answer to the challenge: a signature over `authPayload(...)` (handshake.ts). */
export interface AuthenticateMessage {
  readonly type: 'authenticate';
  readonly protocol: number;
  readonly publicKey: PublicKeyText;
  /** Ed25519 signature, base64url. */
  readonly signature: string;
  /**
   * The display name this person chose (their identity's name). The relay records it where nobody else named
   * them: redeeming an invite, and a member the lead granted without a name. A lead's name wins; others see it
   * with the key's fingerprint beside it.
   */
  readonly name?: string;
  /** A secret invite token: a valid one makes a non-member a member with the invite's role. */
  readonly invite?: string;
  /**
   * Sealed spaces, with `invite`: MAC of the redeemer's public key under the invite link's admission secret
   * (sealed/invite-admission.ts), which the relay never sees; the inviting lead's client checks it.
   */
  readonly inviteProof?: string;
  /**
   * A non-member asks the space's leads to let them in (space channel). `via: 'directory'` says the request
   * was sent from the space's listing; the relay keeps it only while the space is listed.
   */
  readonly accessRequest?: { readonly name: string; readonly message: string; readonly via?: 'directory' };
}

/** Requests, by operation. Where each may be sent and by whom is stated per op. */
export type Request =
  /**
   * Space channel, relay admins: create the space; the caller becomes its lead. `sealed` (protocol 2) makes
   * a sealed space, fixed at creation: the creator's client then starts epoch 1 with `keys.rotate`.
   */
  | { readonly op: 'space.create'; readonly name?: string; readonly sealed?: boolean }
  /** Space channel, any member. */
  | { readonly op: 'members.list' }
  /** Space channel, leads: add a member or change a member's role. */
  | { readonly op: 'members.grant'; readonly publicKey: PublicKeyText; readonly role: Role; readonly name?: string }
  /** Space channel, leads: remove a member and close their connections. */
  | { readonly op: 'members.revoke'; readonly publicKey: PublicKeyText }
  /** Space channel, leads: audit entries after `after` (a seq), oldest first. */
  | { readonly op: 'audit.list'; readonly after?: number; readonly limit?: number }
  /** Space channel, any member. */
  | { readonly op: 'documents.list' }
  /**
   * Any channel (the relay channel, path `/`, is for it), anyone authenticated: the spaces this identity is a
   * member of on this relay, with its role in each. Nothing about other spaces.
   */
  | { readonly op: 'spaces.mine' }
  /**
   * Document channel, editors and leads: create the document with a kind (no-op if it exists with that kind).
   * In a sealed space the room's document is an opaque id and `sealedName` its name, sealed (base64url).
   */
  | { readonly op: 'document.create'; readonly kind: DocumentKind; readonly sealedName?: string }
  /** Document channel: answered once every earlier update on this connection is durably stored. */
  | { readonly op: 'flush' }
  /** Space channel, leads: a one-time invite for a role, valid for `expiresInSeconds`. */
  | { readonly op: 'invites.create'; readonly role: Role; readonly expiresInSeconds: number }
  /** Any channel, leads: the space's invites (a sealed space's key sharing reads redemption proofs here). */
  | { readonly op: 'invites.list' }
  | { readonly op: 'invites.revoke'; readonly id: string }
  /** Space channel, leads. */
  | { readonly op: 'requests.list'; readonly status?: AccessRequestStatus }
  | { readonly op: 'requests.approve'; readonly id: string; readonly role: Role }
  | { readonly op: 'requests.deny'; readonly id: string }
  /** Space channel, leads: attach (or change) the text members must sign before they get content. */
  | { readonly op: 'agreement.set'; readonly text: string }
  /** Any channel, members: the current agreement and whether the caller signed it. */
  | { readonly op: 'agreement.get' }
  /** Any channel, members: sign the current version (signature over `agreementPayload`). */
  | { readonly op: 'agreement.sign'; readonly version: number; readonly hash: string; readonly signature: string }
  /** Space channel, leads: who signed which version, when. */
  | { readonly op: 'agreement.signatures' }
  /** Sealed spaces, any channel, members: the content keys wrapped to the caller, and the current epoch. */
  | { readonly op: 'keys.mine' }
  /** Sealed spaces, leads: which members lack the key of which epoch (what the lead's client wraps). */
  | { readonly op: 'keys.missing' }
  /** Sealed spaces, leads: keys of existing epochs wrapped to members (base64url each). */
  | { readonly op: 'keys.wrap'; readonly keys: readonly WrappedKeyInfo[] }
  /**
   * Sealed spaces, leads: start epoch `epoch` (the current + 1) with its key wrapped to every member kept;
   * with `revoke`, that member is removed in the same step. The only way to revoke in a sealed space.
   */
  | {
      readonly op: 'keys.rotate';
      readonly epoch: number;
      readonly keys: readonly WrappedKeyInfo[];
      readonly revoke?: PublicKeyText;
    }
  /** Sealed spaces, any channel, members: the space's membership chain (membership-chain.ts), oldest first. */
  | { readonly op: 'chain.get' }
  /**
   * Sealed spaces, leads: append a statement the caller signed (`by` is the caller). Refused with `conflict`
   * unless its `seq` is the chain's length + 1 and `prev` the last statement's hash.
   */
  | { readonly op: 'chain.append'; readonly statement: MembershipStatement }
  /**
   * Space channel, leads: list the space in the relay's directory (or replace its listing). The listing is
   * signed by the caller over `listingPayload` (directory.ts); `listedAt` within 10 minutes of the relay's clock.
   */
  | {
      readonly op: 'listing.set';
      readonly title: string;
      readonly description: string;
      readonly expectations: string;
      readonly showAgreement: boolean;
      readonly listedAt: string;
      readonly signature: string;
    }
  /** Space channel, members: the space's listing, or null when it is not listed. */
  | { readonly op: 'listing.get' }
  /** Space channel, leads and relay admins: take the space out of the directory at once. */
  | { readonly op: 'listing.remove' }
  /** Space channel, members: whether visitors of this space's listing may be told you are a member. */
  | { readonly op: 'hints.set'; readonly hidden: boolean }
  /** Directory channel (`/~directory`), anyone with a key: the listed spaces. Rate-limited per key and address. */
  | { readonly op: 'directory.list' };

/** A content key of one epoch wrapped to one member (shared/src/sealed/key-wrap.ts), base64url. */
export interface WrappedKeyInfo {
  readonly publicKey: PublicKeyText;
  readonly epoch: number;
  readonly wrapped: string;
  /** Set by the relay in answers: the lead who wrapped it. */
  readonly wrappedBy?: PublicKeyText;
}

export type RequestOp = Request['op'];

/** What each request answers with. */
export interface ResultOf {
  'space.create': { readonly space: string };
  'members.list': { readonly members: readonly Member[] };
  'members.grant': { readonly member: Member };
  'members.revoke': { readonly removed: boolean };
  'audit.list': { readonly entries: readonly AuditEntry[] };
  'documents.list': { readonly documents: readonly DocumentInfo[] };
  'spaces.mine': { readonly spaces: readonly MySpaceInfo[] };
  'document.create': { readonly document: DocumentInfo };
  flush: { readonly stored: true };
  'invites.create': {
    readonly invite: InviteInfo;
    readonly token: string;
    /**
     * The service's public addresses (the relay's --public-url), first one first, for the invite link; absent
     * when its operator configured none (the link then carries the address the lead used).
     */
    readonly addresses?: readonly string[];
  };
  'invites.list': { readonly invites: readonly InviteInfo[] };
  'invites.revoke': { readonly invite: InviteInfo };
  'requests.list': { readonly requests: readonly AccessRequestInfo[] };
  'requests.approve': { readonly request: AccessRequestInfo; readonly member: Member };
  'requests.deny': { readonly request: AccessRequestInfo };
  'agreement.set': { readonly agreement: AgreementInfo };
  'agreement.get': { readonly agreement: AgreementInfo | null; readonly signed: boolean };
  'agreement.sign': { readonly signature: AgreementSignatureInfo };
  'agreement.signatures': { readonly signatures: readonly AgreementSignatureInfo[] };
  'keys.mine': { readonly epoch: number; readonly keys: readonly WrappedKeyInfo[] };
  'keys.missing': {
    readonly epoch: number;
    readonly missing: readonly { readonly publicKey: PublicKeyText; readonly epoch: number }[];
  };
  'keys.wrap': { readonly stored: number };
  'keys.rotate': { readonly epoch: number };
  'chain.get': { readonly statements: readonly MembershipStatement[] };
  'chain.append': { readonly length: number };
  'listing.set': { readonly listing: SignedListing };
  'listing.get': { readonly listing: SignedListing | null };
  'listing.remove': { readonly removed: boolean };
  'hints.set': { readonly hidden: boolean };
  'directory.list': { readonly listings: readonly DirectoryEntry[] };
}

export interface RequestMessage {
  readonly type: 'request';
  /** Chosen by the client, echoed in the response. */
  readonly id: number;
  readonly request: Request;
}

/**
 * Application-level heartbeat (browsers can neither send nor observe WebSocket pings). Allowed in any state,
 * only to a relay whose challenge carried `heartbeatMs`; answered with `pong` at once.
 */
export interface PingMessage {
  readonly type: 'ping';
}

export type FromClientMessage = AuthenticateMessage | RequestMessage | PingMessage;

// ---------------------------------------------------------------- guards

/** Thrown when a peer's message does not follow this table. */
export class ProtocolViolation extends Error {
  override readonly name = 'ProtocolViolation';
}

type Obj = Record<string, unknown>;

function object(value: unknown, what: string): Obj {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ProtocolViolation(`${what} is not an object`);
  return value as Obj;
}
function string(o: Obj, key: string, max = 4096): string {
  const v = o[key];
  if (typeof v !== 'string' || v.length > max)
    throw new ProtocolViolation(`"${key}" is not a string of at most ${max}`);
  return v;
}
function optionalString(o: Obj, key: string, max = 256): string | undefined {
  return o[key] === undefined ? undefined : string(o, key, max);
}
function integer(o: Obj, key: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new ProtocolViolation(`"${key}" is not an integer`);
  return v;
}
function optionalInteger(o: Obj, key: string): number | undefined {
  return o[key] === undefined ? undefined : integer(o, key);
}
function publicKey(o: Obj, key: string): PublicKeyText {
  const v = o[key];
  if (!isPublicKeyText(v)) throw new ProtocolViolation(`"${key}" is not an ed25519 public key`);
  return v;
}
function role(o: Obj, key: string): Role {
  const v = o[key];
  if (!isRole(v)) throw new ProtocolViolation(`"${key}" is not a role`);
  return v;
}

function boolean(o: Obj, key: string): boolean {
  const v = o[key];
  if (typeof v !== 'boolean') throw new ProtocolViolation(`"${key}" is not a boolean`);
  return v;
}
function optionalBoolean(o: Obj, key: string): boolean | undefined {
  const v = o[key];
  if (v !== undefined && typeof v !== 'boolean') throw new ProtocolViolation(`"${key}" is not a boolean`);
  return v;
}
/** At most this many keys per request: a space's members times a few epochs. */
const MAX_KEYS_PER_REQUEST = 5000;
function wrappedKeys(o: Obj, key: string): WrappedKeyInfo[] {
  const v = o[key];
  if (!Array.isArray(v) || v.length > MAX_KEYS_PER_REQUEST) {
    throw new ProtocolViolation(`"${key}" is not a list of at most ${MAX_KEYS_PER_REQUEST} wrapped keys`);
  }
  return v.map((item) => {
    const k = object(item, 'wrapped key');
    return { publicKey: publicKey(k, 'publicKey'), epoch: integer(k, 'epoch'), wrapped: string(k, 'wrapped', 256) };
  });
}

/** A membership statement's shape (its signature and place are checked by verifyChain, not here). */
export function parseStatement(value: unknown): MembershipStatement {
  const o = object(value, 'statement');
  const r = o['role'];
  if (r !== null && !isRole(r)) throw new ProtocolViolation('"role" is not a role or null');
  return {
    space: string(o, 'space', 256),
    seq: integer(o, 'seq'),
    prev: string(o, 'prev', 64),
    subject: publicKey(o, 'subject'),
    role: r,
    by: publicKey(o, 'by'),
    at: string(o, 'at', 64),
    signature: string(o, 'signature', 128),
  };
}

function parseRequest(value: unknown): Request {
  const o = object(value, 'request');
  const op = o['op'];
  switch (op) {
    case 'space.create': {
      const name = optionalString(o, 'name');
      const sealed = optionalBoolean(o, 'sealed');
      return { op, ...(name === undefined ? {} : { name }), ...(sealed === undefined ? {} : { sealed }) };
    }
    case 'keys.mine':
    case 'keys.missing':
      return { op };
    case 'keys.wrap':
      return { op, keys: wrappedKeys(o, 'keys') };
    case 'chain.get':
      return { op };
    case 'chain.append':
      return { op, statement: parseStatement(o['statement']) };
    case 'keys.rotate': {
      const revoke = o['revoke'] === undefined ? undefined : publicKey(o, 'revoke');
      const base = { op, epoch: integer(o, 'epoch'), keys: wrappedKeys(o, 'keys') } as const;
      return revoke === undefined ? base : { ...base, revoke };
    }
    case 'members.list':
    case 'documents.list':
    case 'spaces.mine':
    case 'flush':
      return { op };
    case 'members.grant': {
      const name = optionalString(o, 'name');
      const base = { op, publicKey: publicKey(o, 'publicKey'), role: role(o, 'role') } as const;
      return name === undefined ? base : { ...base, name };
    }
    case 'members.revoke':
      return { op, publicKey: publicKey(o, 'publicKey') };
    case 'audit.list': {
      const after = optionalInteger(o, 'after');
      const limit = optionalInteger(o, 'limit');
      return { op, ...(after === undefined ? {} : { after }), ...(limit === undefined ? {} : { limit }) };
    }
    case 'document.create': {
      const kind = o['kind'];
      if (!isDocumentKind(kind)) throw new ProtocolViolation('"kind" is not a document kind');
      const sealedName = optionalString(o, 'sealedName', 8192);
      return sealedName === undefined ? { op, kind } : { op, kind, sealedName };
    }
    case 'invites.create':
      return { op, role: role(o, 'role'), expiresInSeconds: integer(o, 'expiresInSeconds') };
    case 'invites.list':
    case 'requests.list': {
      if (op === 'invites.list') return { op };
      const status = o['status'];
      if (status !== undefined && status !== 'pending' && status !== 'approved' && status !== 'denied') {
        throw new ProtocolViolation('"status" is not a request status');
      }
      return status === undefined ? { op } : { op, status };
    }
    case 'invites.revoke':
    case 'requests.deny':
      return { op, id: string(o, 'id', 64) };
    case 'requests.approve':
      return { op, id: string(o, 'id', 64), role: role(o, 'role') };
    case 'agreement.set':
      return { op, text: string(o, 'text', 1024 * 1024) };
    case 'agreement.get':
    case 'agreement.signatures':
      return { op };
    case 'agreement.sign':
      return {
        op,
        version: integer(o, 'version'),
        hash: string(o, 'hash', 64),
        signature: string(o, 'signature', 128),
      };
    case 'listing.set':
      return {
        op,
        title: string(o, 'title', LISTING_LIMITS.title),
        description: string(o, 'description', LISTING_LIMITS.description),
        expectations: string(o, 'expectations', LISTING_LIMITS.expectations),
        showAgreement: boolean(o, 'showAgreement'),
        listedAt: string(o, 'listedAt', 64),
        signature: string(o, 'signature', 128),
      };
    case 'listing.get':
    case 'listing.remove':
    case 'directory.list':
      return { op };
    case 'hints.set':
      return { op, hidden: boolean(o, 'hidden') };
    default:
      throw new ProtocolViolation(`unknown request op ${JSON.stringify(op)}`);
  }
}

/** Validates a message a client sent; throws ProtocolViolation on anything else. */
export function parseFromClient(value: unknown): FromClientMessage {
  const o = object(value, 'message');
  switch (o['type']) {
    case 'authenticate': {
      const base = {
        type: 'authenticate',
        protocol: integer(o, 'protocol'),
        publicKey: publicKey(o, 'publicKey'),
        signature: string(o, 'signature', 128),
      } as const;
      const name = optionalString(o, 'name', MAX_DISPLAY_NAME);
      const named = name === undefined ? base : { ...base, name };
      const invite = optionalString(o, 'invite', 128);
      const inviteProof = optionalString(o, 'inviteProof', 64);
      if (invite !== undefined)
        return inviteProof === undefined ? { ...named, invite } : { ...named, invite, inviteProof };
      if (o['accessRequest'] !== undefined) {
        const request = object(o['accessRequest'], 'accessRequest');
        const via = request['via'];
        if (via !== undefined && via !== 'directory') throw new ProtocolViolation('"via" is not "directory"');
        const ask = { name: string(request, 'name', 200), message: string(request, 'message', 4000) };
        return { ...named, accessRequest: via === undefined ? ask : { ...ask, via } };
      }
      return named;
    }
    case 'request':
      return { type: 'request', id: integer(o, 'id'), request: parseRequest(o['request']) };
    case 'ping':
      return { type: 'ping' };
    default:
      throw new ProtocolViolation(`unknown message type ${JSON.stringify(o['type'])}`);
  }
}

/**
 * Validates a message the relay sent. The relay is trusted more than a client, so only the envelope and
 * the fields the client acts on are checked; results are typed by the request that asked for them.
 */
export function parseFromServer(value: unknown): FromServerMessage {
  const o = object(value, 'message');
  switch (o['type']) {
    case 'challenge': {
      const protocols = o['protocols'];
      if (!Array.isArray(protocols) || !protocols.every((p) => Number.isSafeInteger(p))) {
        throw new ProtocolViolation('"protocols" is not a list of versions');
      }
      const challenge = {
        type: 'challenge',
        protocols,
        relayId: publicKey(o, 'relayId'),
        nonce: string(o, 'nonce', 128),
      } as const;
      const heartbeatMs = optionalInteger(o, 'heartbeatMs');
      if (heartbeatMs === undefined) return challenge;
      if (heartbeatMs < 1) throw new ProtocolViolation('"heartbeatMs" is not positive');
      return { ...challenge, heartbeatMs };
    }
    case 'welcome':
      object(o['you'], 'you');
      integer(o, 'protocol');
      return o as unknown as WelcomeMessage;
    case 'response': {
      integer(o, 'id');
      if (o['ok'] === false) object(o['error'], 'error');
      return o as unknown as ResponseMessage;
    }
    case 'notice':
      string(o, 'code');
      string(o, 'message');
      return o as unknown as NoticeMessage;
    case 'role-changed':
      return { type: 'role-changed', role: role(o, 'role') };
    case 'access-pending':
      return { type: 'access-pending', requestId: string(o, 'requestId', 64) };
    case 'space-event':
      object(o['event'], 'event');
      return o as unknown as SpaceEventMessage;
    case 'pong':
      return { type: 'pong' };
    default:
      throw new ProtocolViolation(`unknown message type ${JSON.stringify(o['type'])}`);
  }
}
