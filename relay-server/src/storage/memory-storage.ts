/**
 * Storage kept in memory: for relays started without a data folder (tests, throwaway sessions).
 * Passes the same conformance suite as SQLite; nothing survives the process.
 */
import type { AuditEntry, PublicKeyText } from '@enclave/shared';
import {
  chainConflict,
  checkNotLastLead,
  checkRequester,
  checkRotation,
  checkWrappedKeys,
} from './sealed-key-checks.js';
import {
  type AccessRequestRecord,
  type AgreementRecord,
  type AgreementSignatureRecord,
  type EpochRotation,
  type InviteRecord,
  type ListingRecord,
  type DocumentRecord,
  type MemberRecord,
  type NewAuditEntry,
  type SetAsideEntry,
  type SetAsideRecord,
  type Refusal,
  type RefusalAggregation,
  REFUSAL_OVERFLOW_REASON,
  refusalWindowStart,
  type SpaceRecord,
  type Storage,
  StorageConflict,
  type StoredDocumentState,
  StorageNotFound,
  type WrappedKeyRecord,
} from './storage.js';

interface MemoryDocument {
  readonly record: DocumentRecord;
  snapshot: Uint8Array | null;
  snapshotSeq: number;
  updates: { seq: number; data: Uint8Array }[];
}

interface MemorySpace {
  readonly record: SpaceRecord;
  readonly members: Map<string, MemberRecord>;
  readonly documents: Map<string, MemoryDocument>;
  readonly audit: AuditEntry[];
  readonly invites: InviteRecord[];
  readonly requests: AccessRequestRecord[];
  readonly agreements: AgreementRecord[];
  readonly signatures: AgreementSignatureRecord[];
  /** Who started each epoch, epoch n at index n - 1. */
  readonly epochs: { readonly by: PublicKeyText; readonly created: string }[];
  /** Wrapped keys by keyOf(epoch, public key). */
  readonly wrappedKeys: Map<string, WrappedKeyRecord>;
  /** The membership chain's statements, statement n at index n - 1. */
  readonly chain: string[];
  listing: ListingRecord | undefined;
  /** Members who chose not to be shown in directory hints. */
  readonly hiddenFromHints: Set<PublicKeyText>;
}

export class MemoryStorage implements Storage {
  readonly engine = 'memory';
  private readonly spaces = new Map<string, MemorySpace>();
  private readonly setAside: SetAsideEntry[] = [];
  private seq = 0;

  async createSpace(space: SpaceRecord, lead: MemberRecord): Promise<void> {
    if (this.spaces.has(space.name)) throw new StorageConflict(`space ${space.name} already exists`);
    // Like SQLite: `sealed` is present only on sealed spaces.
    const { sealed, ...plain } = space;
    this.spaces.set(space.name, {
      record: sealed === true ? { ...plain, sealed } : plain,
      members: new Map([[lead.publicKey, { ...lead }]]),
      documents: new Map(),
      audit: [],
      invites: [],
      requests: [],
      agreements: [],
      signatures: [],
      epochs: [],
      wrappedKeys: new Map(),
      chain: [],
      listing: undefined,
      hiddenFromHints: new Set(),
    });
  }

  async listSpaces(): Promise<SpaceRecord[]> {
    return [...this.spaces.values()]
      .map((s) => s.record)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async getSpace(name: string): Promise<SpaceRecord | undefined> {
    return this.spaces.get(name)?.record;
  }

  async getMember(space: string, publicKey: string): Promise<MemberRecord | undefined> {
    return this.spaces.get(space)?.members.get(publicKey);
  }

  async listMembers(space: string): Promise<MemberRecord[]> {
    return [...(this.spaces.get(space)?.members.values() ?? [])];
  }

  async putMember(space: string, member: MemberRecord): Promise<void> {
    putUnderLastLeadRule(this.space(space), member);
  }

  async renameMember(space: string, publicKey: string, name: string): Promise<boolean> {
    const members = this.spaces.get(space)?.members;
    const member = members?.get(publicKey);
    if (!members || !member) return false;
    members.set(publicKey, { ...member, name });
    return true;
  }

  async removeMember(space: string, publicKey: string): Promise<boolean> {
    const target = this.spaces.get(space);
    if (!target) return false;
    checkNotLastLead(target.members.get(publicKey), leadCount(target));
    return removeMemberAndKeys(target, publicKey);
  }

  async createDocument(space: string, document: DocumentRecord): Promise<void> {
    const documents = this.space(space).documents;
    if (documents.has(document.name)) throw new StorageConflict(`document ${document.name} exists`);
    documents.set(document.name, { record: { ...document }, snapshot: null, snapshotSeq: 0, updates: [] });
  }

  async getDocument(space: string, name: string): Promise<DocumentRecord | undefined> {
    return this.spaces.get(space)?.documents.get(name)?.record;
  }

  async listDocuments(space: string): Promise<DocumentRecord[]> {
    const documents = [...(this.spaces.get(space)?.documents.values() ?? [])].map((d) => d.record);
    return documents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async appendUpdate(space: string, document: string, update: Uint8Array): Promise<number> {
    const seq = ++this.seq;
    this.document(space, document).updates.push({ seq, data: update.slice() });
    return seq;
  }

  async appendUpdates(space: string, document: string, updates: readonly Uint8Array[]): Promise<number[]> {
    const stored = this.document(space, document).updates; // throws StorageNotFound before anything is kept
    return updates.map((update) => {
      const seq = ++this.seq;
      stored.push({ seq, data: update.slice() });
      return seq;
    });
  }

  async loadDocument(space: string, document: string): Promise<StoredDocumentState> {
    const doc = this.document(space, document);
    const updates = doc.updates.map((u) => u.data);
    return {
      snapshot: doc.snapshot,
      snapshotSeq: doc.snapshotSeq,
      updates,
      updateSeqs: doc.updates.map((u) => u.seq),
      lastSeq: doc.updates.at(-1)?.seq ?? doc.snapshotSeq,
      bytes: (doc.snapshot?.length ?? 0) + updates.reduce((n, u) => n + u.length, 0),
    };
  }

  async compactDocument(space: string, document: string, snapshot: Uint8Array, throughSeq: number): Promise<boolean> {
    const doc = this.document(space, document);
    if (doc.snapshotSeq >= throughSeq) return false;
    doc.snapshot = snapshot.slice();
    doc.snapshotSeq = throughSeq;
    doc.updates = doc.updates.filter((u) => u.seq > throughSeq);
    return true;
  }

  async repairDocument(
    space: string,
    document: string,
    setAside: readonly SetAsideRecord[],
    snapshot: Uint8Array,
    throughSeq: number,
  ): Promise<void> {
    await this.compactDocument(space, document, snapshot, throughSeq);
    for (const record of setAside) this.setAside.push({ ...record, data: record.data.slice(), space, document });
  }

  async listSetAside(): Promise<SetAsideEntry[]> {
    return this.setAside.map((entry) => ({ ...entry, data: entry.data.slice() }));
  }

  async currentEpoch(space: string): Promise<number> {
    return this.spaces.get(space)?.epochs.length ?? 0;
  }

  // Each write checks everything before it changes anything, and never awaits in between: atomic here.
  async rotateEpoch(space: string, rotation: EpochRotation): Promise<void> {
    const target = this.space(space);
    checkRotation(rotation, target.epochs.length, (key) => target.members.has(key));
    if (rotation.revoke !== undefined) {
      checkNotLastLead(target.members.get(rotation.revoke), leadCount(target));
      removeMemberAndKeys(target, rotation.revoke);
    }
    target.epochs.push({ by: rotation.by, created: rotation.created });
    putKeys(target, rotation.keys);
  }

  async putWrappedKeys(space: string, keys: readonly WrappedKeyRecord[]): Promise<void> {
    const target = this.space(space);
    checkWrappedKeys(keys, target.epochs.length, (key) => target.members.has(key));
    putKeys(target, keys);
  }

  async listWrappedKeys(space: string, publicKey: string): Promise<WrappedKeyRecord[]> {
    const keys = [...(this.spaces.get(space)?.wrappedKeys.values() ?? [])].filter((k) => k.publicKey === publicKey);
    return keys.sort((a, b) => a.epoch - b.epoch).map((k) => ({ ...k, wrapped: k.wrapped.slice() }));
  }

  async listChainStatements(space: string): Promise<string[]> {
    return [...(this.spaces.get(space)?.chain ?? [])];
  }

  async appendChainStatement(space: string, seq: number, statement: string): Promise<void> {
    const target = this.space(space);
    if (seq !== target.chain.length + 1) throw new StorageConflict(chainConflict(seq, target.chain.length));
    target.chain.push(statement);
  }

  async listMissingKeys(space: string): Promise<{ readonly publicKey: PublicKeyText; readonly epoch: number }[]> {
    const target = this.spaces.get(space);
    if (!target) return [];
    const members = [...target.members.keys()].sort() as PublicKeyText[];
    const missing: { publicKey: PublicKeyText; epoch: number }[] = [];
    for (let epoch = 1; epoch <= target.epochs.length; epoch++) {
      for (const publicKey of members) {
        if (!target.wrappedKeys.has(keyOf(epoch, publicKey))) missing.push({ publicKey, epoch });
      }
    }
    return missing;
  }

  async createInvite(space: string, invite: InviteRecord): Promise<void> {
    const invites = this.space(space).invites;
    if (invites.some((i) => i.id === invite.id || i.tokenHash === invite.tokenHash)) {
      throw new StorageConflict(`invite ${invite.id} exists`);
    }
    invites.push({ ...invite });
  }

  async findInvite(space: string, tokenHash: string): Promise<InviteRecord | undefined> {
    return this.spaces.get(space)?.invites.find((i) => i.tokenHash === tokenHash);
  }

  async listInvites(space: string): Promise<InviteRecord[]> {
    return [...(this.spaces.get(space)?.invites ?? [])];
  }

  async redeemInvite(space: string, id: string, member: MemberRecord, now: string, proof?: string): Promise<boolean> {
    const target = this.spaces.get(space);
    const index = target?.invites.findIndex((i) => i.id === id) ?? -1;
    const invite = target?.invites[index];
    if (!target || !invite || invite.usedBy || invite.revokedAt || invite.expires <= now) return false;
    putUnderLastLeadRule(target, member);
    target.invites[index] = {
      ...invite,
      usedBy: member.publicKey,
      usedAt: now,
      ...(proof ? { usedProof: proof } : {}),
    };
    return true;
  }

  async revokeInvite(space: string, id: string, now: string): Promise<boolean> {
    const invites = this.spaces.get(space)?.invites ?? [];
    const index = invites.findIndex((i) => i.id === id);
    const invite = invites[index];
    if (!invite || invite.usedBy || invite.revokedAt) return false;
    invites[index] = { ...invite, revokedAt: now };
    return true;
  }

  async createAccessRequest(space: string, request: AccessRequestRecord): Promise<void> {
    this.space(space).requests.push({ ...request });
  }

  async getAccessRequest(space: string, id: string): Promise<AccessRequestRecord | undefined> {
    return this.spaces.get(space)?.requests.find((r) => r.id === id);
  }

  async listAccessRequests(space: string): Promise<AccessRequestRecord[]> {
    return [...(this.spaces.get(space)?.requests ?? [])];
  }

  async approveAccessRequest(
    space: string,
    id: string,
    member: MemberRecord,
    by: PublicKeyText,
    at: string,
  ): Promise<boolean> {
    const target = this.spaces.get(space);
    const index = target?.requests.findIndex((r) => r.id === id) ?? -1;
    const request = target?.requests[index];
    if (!target || request?.status !== 'pending') return false;
    checkRequester(request, member);
    putUnderLastLeadRule(target, member);
    target.requests[index] = { ...request, status: 'approved', resolvedBy: by, resolvedAt: at };
    return true;
  }

  async denyAccessRequest(space: string, id: string, by: PublicKeyText, at: string): Promise<boolean> {
    const requests = this.spaces.get(space)?.requests ?? [];
    const index = requests.findIndex((r) => r.id === id);
    if (requests[index]?.status !== 'pending') return false;
    requests[index] = { ...requests[index]!, status: 'denied', resolvedBy: by, resolvedAt: at };
    return true;
  }

  async addAgreement(space: string, agreement: AgreementRecord): Promise<void> {
    const agreements = this.space(space).agreements;
    if (agreements.some((a) => a.version === agreement.version)) throw new StorageConflict('agreement version exists');
    agreements.push({ ...agreement });
  }

  async getAgreement(space: string): Promise<AgreementRecord | undefined> {
    return this.spaces
      .get(space)
      ?.agreements.reduce<AgreementRecord | undefined>(
        (latest, a) => (latest && latest.version > a.version ? latest : a),
        undefined,
      );
  }

  async addAgreementSignature(space: string, signature: AgreementSignatureRecord): Promise<void> {
    const signatures = this.space(space).signatures;
    const index = signatures.findIndex((s) => s.version === signature.version && s.publicKey === signature.publicKey);
    if (index >= 0) signatures[index] = { ...signature };
    else signatures.push({ ...signature });
  }

  async getAgreementSignature(
    space: string,
    version: number,
    publicKey: string,
  ): Promise<AgreementSignatureRecord | undefined> {
    return this.spaces.get(space)?.signatures.find((s) => s.version === version && s.publicKey === publicKey);
  }

  async listAgreementSignatures(space: string): Promise<AgreementSignatureRecord[]> {
    return [...(this.spaces.get(space)?.signatures ?? [])];
  }

  async appendAudit(space: string, entry: NewAuditEntry): Promise<AuditEntry> {
    const audit = this.space(space).audit;
    const stored: AuditEntry = { ...entry, seq: nextSeq(audit), time: entry.time ?? new Date().toISOString() };
    audit.push(stored);
    return stored;
  }

  async recordRefusal(
    space: string,
    refusal: Refusal,
    { windowMs, entriesPerWindow }: RefusalAggregation,
  ): Promise<AuditEntry | undefined> {
    const audit = this.spaces.get(space)?.audit;
    if (!audit) return undefined;
    const start = refusalWindowStart(refusal.time, windowMs);
    const inWindow = audit.filter((e) => e.event === 'refused' && e.since !== undefined && e.since >= start);
    const counted = inWindow.filter((e) => e.reason !== REFUSAL_OVERFLOW_REASON);
    const overflow =
      !counted.some((e) => e.actor === refusal.actor && e.reason === refusal.reason) &&
      counted.length >= entriesPerWindow;
    const actor = overflow ? null : refusal.actor;
    const reason = overflow ? REFUSAL_OVERFLOW_REASON : refusal.reason;
    const previous = inWindow.find((e) => e.actor === actor && e.reason === reason);
    const seq = nextSeq(audit); // taken before the previous entry leaves: seqs never repeat
    if (previous) audit.splice(audit.indexOf(previous), 1);
    const stored: AuditEntry = {
      seq,
      time: refusal.time,
      event: 'refused',
      actor,
      room: refusal.room,
      reason,
      count: (previous?.count ?? 0) + 1,
      since: previous?.since ?? refusal.time,
    };
    audit.push(stored);
    return stored;
  }

  async putListing(listing: ListingRecord): Promise<void> {
    this.space(listing.space).listing = { ...listing };
  }

  async getListing(space: string): Promise<ListingRecord | undefined> {
    return this.spaces.get(space)?.listing;
  }

  async removeListing(space: string): Promise<boolean> {
    const target = this.spaces.get(space);
    if (!target?.listing) return false;
    target.listing = undefined;
    return true;
  }

  async listListings(): Promise<ListingRecord[]> {
    return (await this.listSpaces()).flatMap((s) => this.spaces.get(s.name)?.listing ?? []);
  }

  async setHiddenFromHints(space: string, publicKey: PublicKeyText, hidden: boolean): Promise<void> {
    const target = this.space(space);
    if (hidden) target.hiddenFromHints.add(publicKey);
    else target.hiddenFromHints.delete(publicKey);
  }

  async listHiddenFromHints(space: string): Promise<PublicKeyText[]> {
    return [...(this.spaces.get(space)?.hiddenFromHints ?? [])].sort();
  }

  async listMemberships(publicKey: string): Promise<string[]> {
    return (await this.listSpaces()).map((s) => s.name).filter((name) => this.spaces.get(name)!.members.has(publicKey));
  }

  async listAudit(space: string, after: number, limit: number): Promise<AuditEntry[]> {
    return (this.spaces.get(space)?.audit ?? []).filter((e) => e.seq > after).slice(0, limit);
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}

  private space(name: string): MemorySpace {
    const space = this.spaces.get(name);
    if (!space) throw new StorageNotFound(`space ${name} does not exist`);
    return space;
  }

  private document(space: string, name: string): MemoryDocument {
    const document = this.space(space).documents.get(name);
    if (!document) throw new StorageNotFound(`document ${space}/${name} does not exist`);
    return document;
  }
}

function keyOf(epoch: number, publicKey: string): string {
  return `${epoch}\u0000${publicKey}`;
}

function putKeys(space: MemorySpace, keys: readonly WrappedKeyRecord[]): void {
  for (const k of keys) space.wrappedKeys.set(keyOf(k.epoch, k.publicKey), { ...k, wrapped: k.wrapped.slice() });
}

function leadCount(space: MemorySpace): number {
  return [...space.members.values()].filter((m) => m.role === 'lead').length;
}

/** Puts a member unless that takes the lead role from the only lead (LastLeadError, nothing changed). */
function putUnderLastLeadRule(space: MemorySpace, member: MemberRecord): void {
  if (member.role !== 'lead') checkNotLastLead(space.members.get(member.publicKey), leadCount(space));
  space.members.set(member.publicKey, { ...member });
}

/** Removes a member and every key wrapped to them; true when they were a member. */
function removeMemberAndKeys(space: MemorySpace, publicKey: string): boolean {
  for (const [id, k] of space.wrappedKeys) if (k.publicKey === publicKey) space.wrappedKeys.delete(id);
  return space.members.delete(publicKey);
}

/** Audit entries are kept in seq order, so the next seq follows the last entry's. */
function nextSeq(audit: readonly AuditEntry[]): number {
  return (audit[audit.length - 1]?.seq ?? 0) + 1;
}
