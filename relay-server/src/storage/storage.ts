/**
 * Everything the relay keeps, behind one interface, so that SQLite (the embedded default), memory and
 * PostgreSQL (several relays on one store) are interchangeable. Every implementation runs the same
 * conformance suite (storage-conformance.ts). Methods are async so that networked engines fit; callers never
 * assume synchronous completion. Rules that depend on what is stored (the last lead, approving with the
 * grant, invite redemption, sequence numbers, epochs) are kept by the engine in one atomic step, never by a
 * caller reading, checking and then writing: with several relays on one database that would be a race.
 */
import type {
  AccessRequestOrigin,
  AccessRequestStatus,
  AuditEntry,
  AuditEvent,
  DocumentKind,
  PublicKeyText,
  Role,
  SignedListing,
} from '@enclave/shared';

export interface SpaceRecord {
  readonly name: string;
  /** ISO 8601. */
  readonly created: string;
  readonly createdBy: PublicKeyText;
  /**
   * A sealed space (fixed at creation): its documents are opaque logs of sealed messages and its content
   * keys exist only wrapped to members (WrappedKeyRecord). Absent means false (plain).
   */
  readonly sealed?: boolean;
}

/** A sealed space's content key of one epoch, wrapped to one member by a lead's client. */
export interface WrappedKeyRecord {
  readonly epoch: number;
  /** The member it is wrapped to. */
  readonly publicKey: PublicKeyText;
  /** The wrapped key (shared/src/sealed/key-wrap.ts), opaque to the relay. */
  readonly wrapped: Uint8Array;
  /** The lead whose client wrapped it. */
  readonly wrappedBy: PublicKeyText;
  /** ISO 8601. */
  readonly created: string;
}

/** A sealed space's new epoch: its number, who started it, and its key wrapped to every member kept. */
export interface EpochRotation {
  /** Must be the current epoch + 1 (compare-and-set: concurrent rotations cannot both win). */
  readonly epoch: number;
  readonly by: PublicKeyText;
  /** ISO 8601. */
  readonly created: string;
  readonly keys: readonly WrappedKeyRecord[];
  /** A member removed in the same step (revoke rotates): gone from the access list and from every key. */
  readonly revoke?: PublicKeyText;
}

export interface MemberRecord {
  readonly publicKey: PublicKeyText;
  readonly name: string;
  readonly role: Role;
  /** ISO 8601 of the last grant or role change. */
  readonly since: string;
  readonly grantedBy: PublicKeyText | null;
}

export interface DocumentRecord {
  readonly name: string;
  readonly kind: DocumentKind;
  readonly schemaVersion: number;
  /** ISO 8601. */
  readonly created: string;
  /** Sealed spaces: the name is an opaque id, this the real name sealed by a member (opaque here). */
  readonly sealedName?: Uint8Array;
}

/** What it takes to rebuild a document: the last snapshot (if any) and the updates stored after it. */
export interface StoredDocumentState {
  readonly snapshot: Uint8Array | null;
  /** The sequence number the snapshot covers up to (0 without one). */
  readonly snapshotSeq: number;
  readonly updates: readonly Uint8Array[];
  /** Each update's sequence number, in the same order. */
  readonly updateSeqs: readonly number[];
  /** The sequence number of the last update included (snapshot or update); 0 when empty. */
  readonly lastSeq: number;
  /** Bytes of snapshot plus updates. */
  readonly bytes: number;
}

/**
 * A stored part of a document that could not be loaded as stored (see documents/document-rebuild.ts): kept,
 * bytes and all, for an operator to inspect, while the document goes on without it.
 */
export interface SetAsideRecord {
  /** 'pending': updates whose dependencies were never stored, as one Yjs update in format 2. */
  readonly kind: 'snapshot' | 'update' | 'pending';
  /** The stored sequence number of the part (for 'pending', the document's last one). */
  readonly seq: number;
  readonly data: Uint8Array;
  readonly reason: string;
  /** ISO 8601. */
  readonly time: string;
}

export interface SetAsideEntry extends SetAsideRecord {
  readonly space: string;
  readonly document: string;
}

/** An entry to append; fingerprints are not stored (the relay adds them when listing). */
export type NewAuditEntry = Omit<AuditEntry, 'seq' | 'time' | 'actorFingerprint' | 'subjectFingerprint'> & {
  readonly time?: string;
  readonly event: AuditEvent;
};

/** One refused handshake at a space, to be counted into its audit log (Storage.recordRefusal). */
export interface Refusal {
  /** The key the stranger claimed, or null when it named none. */
  readonly actor: PublicKeyText | null;
  readonly room: string;
  readonly reason: string;
  /** ISO 8601. */
  readonly time: string;
}

/** How refusals are folded into audit entries, so that what strangers can write is bounded. */
export interface RefusalAggregation {
  /** Length (ms) of a counting window; windows are aligned to multiples of it since the epoch. */
  readonly windowMs: number;
  /** Distinct (actor, reason) entries per space per window; further refusals share one overflow entry. */
  readonly entriesPerWindow: number;
}

/** The reason of the one entry per space and window that counts refusals past `entriesPerWindow`. */
export const REFUSAL_OVERFLOW_REASON = 'refusals past the per-window entry limit, any key and reason';

/** The start (ISO 8601) of the counting window that `time` falls in. */
export function refusalWindowStart(time: string, windowMs: number): string {
  const ms = Date.parse(time);
  return new Date(ms - (ms % windowMs)).toISOString();
}

export interface InviteRecord {
  /** Short public id. */
  readonly id: string;
  /** SHA-256 of the secret token, hex: the token itself is never stored. */
  readonly tokenHash: string;
  readonly role: Role;
  readonly created: string;
  readonly expires: string;
  readonly createdBy: PublicKeyText;
  readonly usedBy: PublicKeyText | null;
  readonly usedAt: string | null;
  readonly revokedAt: string | null;
  /**
   * Sealed spaces: the redeemer's proof that it holds the invite link's admission secret (invite-admission.ts
   * in shared), as it sent it; opaque here. Present only when one was sent.
   */
  readonly usedProof?: string;
}

export interface AccessRequestRecord {
  readonly id: string;
  readonly publicKey: PublicKeyText;
  readonly name: string;
  readonly message: string;
  readonly created: string;
  readonly status: AccessRequestStatus;
  readonly resolvedBy: PublicKeyText | null;
  readonly resolvedAt: string | null;
  /** Present when asked from the space's listing in the directory. */
  readonly via?: AccessRequestOrigin;
}

/** A space's listing in the relay's directory, exactly as its lead signed it. */
export type ListingRecord = SignedListing;

export interface AgreementRecord {
  readonly version: number;
  readonly hash: string;
  readonly text: string;
  readonly setBy: PublicKeyText;
  readonly set: string;
}

export interface AgreementSignatureRecord {
  readonly version: number;
  readonly hash: string;
  readonly publicKey: PublicKeyText;
  readonly signature: string;
  readonly signed: string;
}

export interface Storage {
  /** Which engine this is, for /healthz and /metrics. */
  readonly engine: 'memory' | 'sqlite' | 'postgres';

  /** Creates a space and its first lead together; rejects with StorageConflict if the name is taken. */
  createSpace(space: SpaceRecord, lead: MemberRecord): Promise<void>;
  getSpace(name: string): Promise<SpaceRecord | undefined>;
  /** Every space, by name (for operators' tools). */
  listSpaces(): Promise<SpaceRecord[]>;

  getMember(space: string, publicKey: string): Promise<MemberRecord | undefined>;
  listMembers(space: string): Promise<MemberRecord[]>;
  /**
   * Inserts or replaces a member, atomically under the last-lead rule: taking the lead role from the space's
   * only lead rejects with LastLeadError and changes nothing. Rejects with StorageNotFound without the space.
   */
  putMember(space: string, member: MemberRecord): Promise<void>;
  /** Sets the name of someone who is a member at that moment (nothing else changes); false otherwise. */
  renameMember(space: string, publicKey: string, name: string): Promise<boolean>;
  /**
   * True when a member was removed (with every key wrapped to them). Removing the space's only lead rejects
   * with LastLeadError and changes nothing; the check and the removal are one atomic step.
   */
  removeMember(space: string, publicKey: string): Promise<boolean>;

  createDocument(space: string, document: DocumentRecord): Promise<void>;
  getDocument(space: string, name: string): Promise<DocumentRecord | undefined>;
  listDocuments(space: string): Promise<DocumentRecord[]>;
  /**
   * Durably appends one update; resolves with its sequence number once it is stored. Calls for one document
   * are numbered in call order, also when made before earlier ones have resolved.
   */
  appendUpdate(space: string, document: string, update: Uint8Array): Promise<number>;
  /**
   * Durably appends several updates of one document, all or none, in one commit where the engine can:
   * resolves with their sequence numbers, increasing in the order given, once every one is stored.
   * A relay gathers what arrives while its last write is in flight, so that a slow commit costs one
   * round trip per batch rather than per edit.
   */
  appendUpdates(space: string, document: string, updates: readonly Uint8Array[]): Promise<number[]>;
  loadDocument(space: string, document: string): Promise<StoredDocumentState>;
  /**
   * Replaces every update up to `throughSeq` by `snapshot` (which must include them), atomically. A
   * compare-and-set on the snapshot's sequence number: when the stored snapshot already covers `throughSeq`
   * or more (another relay compacted meanwhile), nothing changes and it resolves false, so that a snapshot
   * never replaces a newer one and no update stored after it is dropped.
   */
  compactDocument(space: string, document: string, snapshot: Uint8Array, throughSeq: number): Promise<boolean>;
  /**
   * Atomically: keeps `setAside` and replaces every update up to `throughSeq` by `snapshot`, which was
   * rebuilt without them. Either both happen or neither, so nothing is lost between the two.
   */
  repairDocument(
    space: string,
    document: string,
    setAside: readonly SetAsideRecord[],
    snapshot: Uint8Array,
    throughSeq: number,
  ): Promise<void>;
  /** Every part ever set aside, oldest first. */
  listSetAside(): Promise<SetAsideEntry[]>;

  // ---- sealed spaces (only meaningful where SpaceRecord.sealed)

  /** The space's current epoch; 0 before its first key exists. */
  currentEpoch(space: string): Promise<number>;
  /**
   * Atomically starts `rotation.epoch` (rejects with StorageConflict unless it is the current epoch + 1),
   * stores its wrapped keys and, when `revoke` is set, removes that member (rejecting with LastLeadError if
   * they are the last lead, and then changing nothing).
   */
  rotateEpoch(space: string, rotation: EpochRotation): Promise<void>;
  /**
   * Stores keys wrapped to members for existing epochs (new members, lost keys). A key for an epoch that
   * does not exist yet, or for someone not on the access list, is refused with StorageConflict and nothing
   * is stored. Replaces an existing key of the same (epoch, member).
   */
  putWrappedKeys(space: string, keys: readonly WrappedKeyRecord[]): Promise<void>;
  /** Every key wrapped to `publicKey` in the space, oldest epoch first. */
  listWrappedKeys(space: string, publicKey: string): Promise<WrappedKeyRecord[]>;
  /** Members who lack a wrapped key of some epoch from 1 to the current one: what a lead's client wraps. */
  listMissingKeys(space: string): Promise<{ readonly publicKey: PublicKeyText; readonly epoch: number }[]>;
  /**
   * The space's membership chain (shared/src/sealed/membership-chain.ts): each statement as the relay
   * received it (JSON text, opaque here), oldest first. Empty for a space without one.
   */
  listChainStatements(space: string): Promise<string[]>;
  /**
   * Appends statement number `seq`. Compare-and-set: rejects with StorageConflict unless the chain holds
   * exactly `seq - 1` statements, so two leads appending at once cannot both take the same place.
   */
  appendChainStatement(space: string, seq: number, statement: string): Promise<void>;

  createInvite(space: string, invite: InviteRecord): Promise<void>;
  findInvite(space: string, tokenHash: string): Promise<InviteRecord | undefined>;
  listInvites(space: string): Promise<InviteRecord[]>;
  /**
   * Atomically: if the invite is unused, unrevoked and unexpired at `now`, mark it used by `member` and put
   * `member` in the access list. False (and no change) otherwise. Under the last-lead rule like putMember:
   * LastLeadError (and no change) when it would take the lead role from the only lead.
   */
  redeemInvite(space: string, id: string, member: MemberRecord, now: string, proof?: string): Promise<boolean>;
  /** Revokes an unused invite; false if it was used or already revoked, or does not exist. */
  revokeInvite(space: string, id: string, now: string): Promise<boolean>;

  createAccessRequest(space: string, request: AccessRequestRecord): Promise<void>;
  getAccessRequest(space: string, id: string): Promise<AccessRequestRecord | undefined>;
  listAccessRequests(space: string): Promise<AccessRequestRecord[]>;
  /**
   * Atomically: if the request is pending, resolves it as approved by `by` at `at` and puts `member` (the
   * requester: another key rejects with StorageConflict) in the access list under the last-lead rule.
   * False (and no change) when it is not pending; LastLeadError (and no change) under the rule. A request is
   * never approved without its grant, nor granted twice.
   */
  approveAccessRequest(
    space: string,
    id: string,
    member: MemberRecord,
    by: PublicKeyText,
    at: string,
  ): Promise<boolean>;
  /** Denies a pending request; false (and no change) if it is not pending. */
  denyAccessRequest(space: string, id: string, by: PublicKeyText, at: string): Promise<boolean>;

  /** Adds a new agreement version (versions increase by one; a clash rejects with StorageConflict). */
  addAgreement(space: string, agreement: AgreementRecord): Promise<void>;
  /** The latest agreement version. */
  getAgreement(space: string): Promise<AgreementRecord | undefined>;
  addAgreementSignature(space: string, signature: AgreementSignatureRecord): Promise<void>;
  getAgreementSignature(
    space: string,
    version: number,
    publicKey: string,
  ): Promise<AgreementSignatureRecord | undefined>;
  listAgreementSignatures(space: string): Promise<AgreementSignatureRecord[]>;

  // ---- the directory

  /** Lists a space or replaces its listing; rejects with StorageNotFound if the space does not exist. */
  putListing(listing: ListingRecord): Promise<void>;
  getListing(space: string): Promise<ListingRecord | undefined>;
  /** True when a listing was removed. */
  removeListing(space: string): Promise<boolean>;
  /** Every listing, by space name. */
  listListings(): Promise<ListingRecord[]>;
  /** Whether visitors of the space's listing may be told this member belongs to it (default: they may). */
  setHiddenFromHints(space: string, publicKey: PublicKeyText, hidden: boolean): Promise<void>;
  /** Members of the space who chose to be hidden from directory hints. */
  listHiddenFromHints(space: string): Promise<PublicKeyText[]>;
  /** The spaces this key is a member of, by name. */
  listMemberships(publicKey: string): Promise<string[]>;

  /**
   * Appends an entry with the space's next sequence number, atomically: concurrent appends (from other
   * relays too) never share or skip a number. Rejects with StorageNotFound without the space.
   */
  appendAudit(space: string, entry: NewAuditEntry): Promise<AuditEntry>;
  /**
   * Counts a refused handshake into the audit log, atomically, so that strangers cannot grow it: within one
   * window, refusals of the same (actor, reason) share one 'refused' entry whose `count` grows (its `time`
   * becomes the latest refusal's, `room` the latest room, and it takes the next `seq`, so a reader following
   * the log sees the new count). At most `entriesPerWindow` such entries per space and window; refusals past
   * that are counted in one entry with actor null and reason REFUSAL_OVERFLOW_REASON. Resolves with the entry
   * as stored, or undefined (and records nothing) when the space does not exist.
   */
  recordRefusal(space: string, refusal: Refusal, aggregation: RefusalAggregation): Promise<AuditEntry | undefined>;
  /** Entries with seq > after, oldest first, at most `limit`. */
  listAudit(space: string, after: number, limit: number): Promise<AuditEntry[]>;

  /** Resolves when the engine answers (for /healthz); rejects with StorageUnavailable when it does not. */
  ping(): Promise<void>;

  close(): Promise<void>;
}

/** A uniqueness constraint was violated (space or document already exists). */
export class StorageConflict extends Error {
  override readonly name = 'StorageConflict';
}

/** The change would leave a space without a lead; nothing was changed. */
export class LastLeadError extends Error {
  override readonly name = 'LastLeadError';
}

/**
 * The engine could not be reached (a networked database down or restarting): nothing was written. The
 * same call can succeed once the engine is back; the storage reconnects by itself.
 */
export class StorageUnavailable extends Error {
  override readonly name = 'StorageUnavailable';
}

/** A referenced space or document does not exist. */
export class StorageNotFound extends Error {
  override readonly name = 'StorageNotFound';
}
