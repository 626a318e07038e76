/**
 * The embedded default: SQLite through better-sqlite3 (v12: v13 needs Node 22), in WAL mode.
 * better-sqlite3 is synchronous, so each write is on disk (in the WAL) when the promise resolves: a killed
 * relay process loses nothing it acknowledged. `synchronous=FULL` adds power-loss safety at a cost;
 * NORMAL is the default, which survives process crashes. Document updates go through the journal
 * (sqlite-update-journal.ts); the file is locked for this process alone while the relay runs.
 */
import Database from 'better-sqlite3';
import type { AuditEntry, PublicKeyText } from '@enclave/shared';
import { checkRequester } from './sealed-key-checks.js';
import { prepareSchema } from './sqlite-schema.js';
import { SqliteDirectory } from './sqlite-directory.js';
import { SqliteSealedKeys } from './sqlite-sealed-keys.js';
import { UpdateJournal } from './sqlite-update-journal.js';
import {
  type AgreementRow,
  type AuditRow,
  type DocumentRow,
  type InviteRow,
  type MemberRow,
  type RequestRow,
  type SetAsideRow,
  type SignatureRow,
  type SpaceRow,
  toAgreement,
  toAudit,
  toDocument,
  toInvite,
  toMember,
  toRequest,
  toSetAside,
  toSignature,
  toSpace,
} from './storage-rows.js';
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

export interface SqliteStorageOptions {
  /** `FULL` survives power loss, `NORMAL` (default) survives process crashes. */
  readonly synchronous?: 'NORMAL' | 'FULL';
  /**
   * Longest time an update waits for others to share its commit (group commit), in ms. 0 (the default)
   * commits once per event-loop turn: no added latency, and a busy relay still shares commits. A few ms
   * trade fan-out latency for CPU per edit (see bench/README.md).
   */
  readonly commitWindowMs?: number;
}

export class SqliteStorage implements Storage {
  readonly engine = 'sqlite';
  private readonly db: Database.Database;
  private readonly statements;
  private readonly journal: UpdateJournal;
  private readonly sealedKeys: SqliteSealedKeys;
  private readonly directory: SqliteDirectory;
  /** Document ids by space and name; documents are never renamed or deleted, so entries never go stale. */
  private readonly documentIds = new Map<string, number>();

  constructor(file: string, options: SqliteStorageOptions = {}) {
    this.db = new Database(file);
    try {
      // Exclusive before the first read: the WAL index then lives in this process's memory (no shared-memory
      // file, no file-lock calls per transaction), and a second relay on the same folder is refused.
      this.db.pragma('locking_mode = EXCLUSIVE');
      // Small pages: every commit appends whole pages to the WAL, and an edit is tens of bytes. Takes effect
      // only when the database is created.
      this.db.pragma('page_size = 1024');
      this.db.pragma('journal_mode = WAL');
      this.db.pragma(`synchronous = ${options.synchronous ?? 'NORMAL'}`);
      // Checkpoint (and fsync) every ~16 MB of WAL rather than every 1 MB: fewer stalls on the event loop.
      this.db.pragma('wal_autocheckpoint = 16000');
      prepareSchema(this.db, file);
    } catch (error) {
      this.db.close();
      if ((error as { code?: string }).code === 'SQLITE_BUSY') {
        throw new Error(`${file} is in use by another process (is another relay running on this data folder?)`);
      }
      throw error;
    }
    const db = this.db;
    this.statements = {
      insertSpace: db.prepare('INSERT INTO spaces (name, created, created_by, sealed) VALUES (?, ?, ?, ?)'),
      getSpace: db.prepare('SELECT name, created, created_by, sealed FROM spaces WHERE name = ?'),
      listSpaces: db.prepare('SELECT name, created, created_by, sealed FROM spaces ORDER BY name'),
      putMember: db.prepare(
        `INSERT INTO members (space, public_key, name, role, since, granted_by) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (space, public_key) DO UPDATE SET name = excluded.name, role = excluded.role,
         since = excluded.since, granted_by = excluded.granted_by`,
      ),
      getMember: db.prepare('SELECT * FROM members WHERE space = ? AND public_key = ?'),
      renameMember: db.prepare('UPDATE members SET name = ? WHERE space = ? AND public_key = ?'),
      listMembers: db.prepare('SELECT * FROM members WHERE space = ? ORDER BY since, public_key'),
      insertDocument: db.prepare(
        'INSERT INTO documents (space, name, kind, schema_version, created, sealed_name) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      getDocument: db.prepare(
        'SELECT name, kind, schema_version, created, sealed_name FROM documents WHERE space = ? AND name = ?',
      ),
      getDocumentId: db.prepare('SELECT id FROM documents WHERE space = ? AND name = ?'),
      listDocuments: db.prepare(
        'SELECT name, kind, schema_version, created, sealed_name FROM documents WHERE space = ? ORDER BY name',
      ),
      getSnapshot: db.prepare('SELECT id, snapshot, snapshot_seq FROM documents WHERE space = ? AND name = ?'),
      setSnapshot: db.prepare('UPDATE documents SET snapshot = ?, snapshot_seq = ? WHERE id = ?'),
      compactSnapshot: db.prepare(
        'UPDATE documents SET snapshot = ?, snapshot_seq = ? WHERE id = ? AND snapshot_seq < ?',
      ),
      insertSetAside: db.prepare(
        'INSERT INTO set_aside (space, document, kind, seq, data, reason, time) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      listSetAside: db.prepare('SELECT * FROM set_aside ORDER BY id'),
      lastAuditSeq: db.prepare('SELECT COALESCE(MAX(seq), 0) AS seq FROM audit WHERE space = ?'),
      insertAudit: db.prepare(
        `INSERT INTO audit (space, seq, time, event, actor, subject, role, room, reason, count, since,
           actor_name, subject_name)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      // The literal event = 'refused' lets SQLite use the partial index audit_refusals.
      windowRefusals: db.prepare(
        `SELECT seq, actor, reason, count, since FROM audit
         WHERE space = ? AND event = 'refused' AND since >= ?`,
      ),
      bumpRefusal: db.prepare(
        'UPDATE audit SET seq = ?, time = ?, room = ?, count = count + 1 WHERE space = ? AND seq = ? RETURNING *',
      ),
      listAudit: db.prepare('SELECT * FROM audit WHERE space = ? AND seq > ? ORDER BY seq LIMIT ?'),
      insertInvite: db.prepare(
        `INSERT INTO invites (space, id, token_hash, role, created, expires, created_by, used_by, used_at, revoked_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      findInvite: db.prepare('SELECT * FROM invites WHERE space = ? AND token_hash = ?'),
      listInvites: db.prepare('SELECT * FROM invites WHERE space = ? ORDER BY created, id'),
      useInvite: db.prepare(
        `UPDATE invites SET used_by = ?, used_at = ?, used_proof = ? WHERE space = ? AND id = ?
         AND used_by IS NULL AND revoked_at IS NULL AND expires > ?`,
      ),
      revokeInvite: db.prepare(
        'UPDATE invites SET revoked_at = ? WHERE space = ? AND id = ? AND used_by IS NULL AND revoked_at IS NULL',
      ),
      insertRequest: db.prepare(
        `INSERT INTO access_requests
         (space, id, public_key, name, message, created, status, resolved_by, resolved_at, via)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      getRequest: db.prepare('SELECT * FROM access_requests WHERE space = ? AND id = ?'),
      listRequests: db.prepare('SELECT * FROM access_requests WHERE space = ? ORDER BY created, id'),
      resolveRequest: db.prepare(
        `UPDATE access_requests SET status = ?, resolved_by = ?, resolved_at = ?
         WHERE space = ? AND id = ? AND status = 'pending'`,
      ),
      insertAgreement: db.prepare(
        'INSERT INTO agreements (space, version, hash, text, set_by, created) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      latestAgreement: db.prepare('SELECT * FROM agreements WHERE space = ? ORDER BY version DESC LIMIT 1'),
      putSignature: db.prepare(
        `INSERT INTO agreement_signatures (space, version, hash, public_key, signature, signed) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (space, version, public_key) DO UPDATE SET signature = excluded.signature, signed = excluded.signed`,
      ),
      getSignature: db.prepare('SELECT * FROM agreement_signatures WHERE space = ? AND version = ? AND public_key = ?'),
      listSignatures: db.prepare('SELECT * FROM agreement_signatures WHERE space = ? ORDER BY signed, public_key'),
    };
    this.journal = new UpdateJournal(db, options.commitWindowMs ?? 0);
    this.sealedKeys = new SqliteSealedKeys(db);
    this.directory = new SqliteDirectory(db);
  }

  async createSpace(space: SpaceRecord, lead: MemberRecord): Promise<void> {
    try {
      this.db.transaction(() => {
        this.statements.insertSpace.run(space.name, space.created, space.createdBy, space.sealed === true ? 1 : 0);
        this.insertMember(space.name, lead);
      })();
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
        throw new StorageConflict(`space ${space.name} already exists`);
      }
      throw error;
    }
  }

  async getSpace(name: string): Promise<SpaceRecord | undefined> {
    const row = this.statements.getSpace.get(name) as SpaceRow | undefined;
    return row && toSpace(row);
  }

  async listSpaces(): Promise<SpaceRecord[]> {
    return (this.statements.listSpaces.all() as SpaceRow[]).map(toSpace);
  }

  async getMember(space: string, publicKey: string): Promise<MemberRecord | undefined> {
    const row = this.statements.getMember.get(space, publicKey) as MemberRow | undefined;
    return row && toMember(row);
  }

  async listMembers(space: string): Promise<MemberRecord[]> {
    return (this.statements.listMembers.all(space) as MemberRow[]).map(toMember);
  }

  async putMember(space: string, member: MemberRecord): Promise<void> {
    this.db.transaction(() => this.sealedKeys.putMember(space, member))();
  }

  async renameMember(space: string, publicKey: string, name: string): Promise<boolean> {
    return this.statements.renameMember.run(name, space, publicKey).changes > 0;
  }

  async removeMember(space: string, publicKey: string): Promise<boolean> {
    return this.sealedKeys.removeMember(space, publicKey);
  }

  async createDocument(space: string, document: DocumentRecord): Promise<void> {
    try {
      this.statements.insertDocument.run(
        space,
        document.name,
        document.kind,
        document.schemaVersion,
        document.created,
        document.sealedName ?? null,
      );
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'SQLITE_CONSTRAINT_UNIQUE') throw new StorageConflict(`document ${document.name} exists`);
      if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') throw new StorageNotFound(`space ${space} does not exist`);
      throw error;
    }
  }

  async getDocument(space: string, name: string): Promise<DocumentRecord | undefined> {
    const row = this.statements.getDocument.get(space, name) as DocumentRow | undefined;
    return row && toDocument(row);
  }

  async listDocuments(space: string): Promise<DocumentRecord[]> {
    return (this.statements.listDocuments.all(space) as DocumentRow[]).map(toDocument);
  }

  appendUpdate(space: string, document: string, update: Uint8Array): Promise<number> {
    const id = this.documentId(space, document);
    if (id === undefined) return Promise.reject(new StorageNotFound(`document ${space}/${document} does not exist`));
    return this.journal.append(id, update);
  }

  appendUpdates(space: string, document: string, updates: readonly Uint8Array[]): Promise<number[]> {
    const id = this.documentId(space, document);
    if (id === undefined) return Promise.reject(new StorageNotFound(`document ${space}/${document} does not exist`));
    return this.journal.appendAll(id, updates);
  }

  async loadDocument(space: string, document: string): Promise<StoredDocumentState> {
    const head = this.statements.getSnapshot.get(space, document) as
      { id: number; snapshot: Buffer | null; snapshot_seq: number } | undefined;
    if (!head) throw new StorageNotFound(`document ${space}/${document} does not exist`);
    this.documentIds.set(documentKey(space, document), head.id);
    const rows = this.journal.rowsAfter(head.id, head.snapshot_seq);
    const snapshot = head.snapshot ? new Uint8Array(head.snapshot) : null;
    const updates = rows.map((r) => r.data);
    return {
      snapshot,
      snapshotSeq: head.snapshot_seq,
      updates,
      updateSeqs: rows.map((r) => r.seq),
      lastSeq: rows.length > 0 ? rows[rows.length - 1]!.seq : head.snapshot_seq,
      bytes: (snapshot?.length ?? 0) + updates.reduce((n, u) => n + u.length, 0),
    };
  }

  async compactDocument(space: string, document: string, snapshot: Uint8Array, throughSeq: number): Promise<boolean> {
    const id = this.documentId(space, document);
    if (id === undefined) throw new StorageNotFound(`document ${space}/${document} does not exist`);
    if (this.statements.compactSnapshot.run(snapshot, throughSeq, id, throughSeq).changes === 0) {
      if (!this.statements.getSnapshot.get(space, document)) {
        throw new StorageNotFound(`document ${space}/${document} does not exist`);
      }
      return false; // the stored snapshot already covers as much or more
    }
    this.journal.folded(id, throughSeq);
    return true;
  }

  async repairDocument(
    space: string,
    document: string,
    setAside: readonly SetAsideRecord[],
    snapshot: Uint8Array,
    throughSeq: number,
  ): Promise<void> {
    const id = this.documentId(space, document);
    if (id === undefined) throw new StorageNotFound(`document ${space}/${document} does not exist`);
    this.journal.flush();
    this.db.transaction(() => {
      for (const r of setAside) {
        this.statements.insertSetAside.run(space, document, r.kind, r.seq, r.data, r.reason, r.time);
      }
      this.statements.setSnapshot.run(snapshot, throughSeq, id);
    })();
    this.journal.folded(id, throughSeq);
  }

  async listSetAside(): Promise<SetAsideEntry[]> {
    return (this.statements.listSetAside.all() as SetAsideRow[]).map(toSetAside);
  }

  async currentEpoch(space: string): Promise<number> {
    return this.sealedKeys.currentEpoch(space);
  }

  async rotateEpoch(space: string, rotation: EpochRotation): Promise<void> {
    this.sealedKeys.rotate(space, rotation);
  }

  async putWrappedKeys(space: string, keys: readonly WrappedKeyRecord[]): Promise<void> {
    this.sealedKeys.putKeys(space, keys);
  }

  async listWrappedKeys(space: string, publicKey: string): Promise<WrappedKeyRecord[]> {
    return this.sealedKeys.listKeys(space, publicKey);
  }

  async listMissingKeys(space: string): Promise<{ readonly publicKey: PublicKeyText; readonly epoch: number }[]> {
    return this.sealedKeys.listMissing(space);
  }

  async listChainStatements(space: string): Promise<string[]> {
    return this.sealedKeys.listChain(space);
  }

  async appendChainStatement(space: string, seq: number, statement: string): Promise<void> {
    this.sealedKeys.appendChain(space, seq, statement);
  }

  async createInvite(space: string, invite: InviteRecord): Promise<void> {
    try {
      this.statements.insertInvite.run(
        space,
        invite.id,
        invite.tokenHash,
        invite.role,
        invite.created,
        invite.expires,
        invite.createdBy,
        invite.usedBy,
        invite.usedAt,
        invite.revokedAt,
      );
    } catch (error) {
      if (String((error as { code?: string }).code).startsWith('SQLITE_CONSTRAINT_')) {
        if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_FOREIGNKEY') throw new StorageNotFound(space);
        throw new StorageConflict(`invite ${invite.id} exists`);
      }
      throw error;
    }
  }

  async findInvite(space: string, tokenHash: string): Promise<InviteRecord | undefined> {
    const row = this.statements.findInvite.get(space, tokenHash) as InviteRow | undefined;
    return row && toInvite(row);
  }

  async listInvites(space: string): Promise<InviteRecord[]> {
    return (this.statements.listInvites.all(space) as InviteRow[]).map(toInvite);
  }

  async redeemInvite(space: string, id: string, member: MemberRecord, now: string, proof?: string): Promise<boolean> {
    return this.db.transaction(() => {
      const used = this.statements.useInvite.run(member.publicKey, now, proof ?? null, space, id, now);
      if (used.changes === 0) return false;
      this.sealedKeys.putMember(space, member); // may throw LastLeadError: the transaction then rolls back
      return true;
    })();
  }

  async revokeInvite(space: string, id: string, now: string): Promise<boolean> {
    return this.statements.revokeInvite.run(now, space, id).changes > 0;
  }

  async createAccessRequest(space: string, r: AccessRequestRecord): Promise<void> {
    this.statements.insertRequest.run(
      space,
      r.id,
      r.publicKey,
      r.name,
      r.message,
      r.created,
      r.status,
      r.resolvedBy,
      r.resolvedAt,
      r.via ?? null,
    );
  }

  async getAccessRequest(space: string, id: string): Promise<AccessRequestRecord | undefined> {
    const row = this.statements.getRequest.get(space, id) as RequestRow | undefined;
    return row && toRequest(row);
  }

  async listAccessRequests(space: string): Promise<AccessRequestRecord[]> {
    return (this.statements.listRequests.all(space) as RequestRow[]).map(toRequest);
  }

  async approveAccessRequest(
    space: string,
    id: string,
    member: MemberRecord,
    by: PublicKeyText,
    at: string,
  ): Promise<boolean> {
    return this.db.transaction(() => {
      const row = this.statements.getRequest.get(space, id) as RequestRow | undefined;
      if (row?.status !== 'pending') return false;
      checkRequester({ id, publicKey: row.public_key }, member);
      this.sealedKeys.putMember(space, member);
      this.statements.resolveRequest.run('approved', by, at, space, id);
      return true;
    })();
  }

  async denyAccessRequest(space: string, id: string, by: PublicKeyText, at: string): Promise<boolean> {
    return this.statements.resolveRequest.run('denied', by, at, space, id).changes > 0;
  }

  async addAgreement(space: string, a: AgreementRecord): Promise<void> {
    try {
      this.statements.insertAgreement.run(space, a.version, a.hash, a.text, a.setBy, a.set);
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
        throw new StorageConflict(`agreement version ${a.version} exists`);
      }
      throw error;
    }
  }

  async getAgreement(space: string): Promise<AgreementRecord | undefined> {
    const row = this.statements.latestAgreement.get(space) as AgreementRow | undefined;
    return row && toAgreement(row);
  }

  async addAgreementSignature(space: string, s: AgreementSignatureRecord): Promise<void> {
    this.statements.putSignature.run(space, s.version, s.hash, s.publicKey, s.signature, s.signed);
  }

  async getAgreementSignature(
    space: string,
    version: number,
    publicKey: string,
  ): Promise<AgreementSignatureRecord | undefined> {
    const row = this.statements.getSignature.get(space, version, publicKey) as SignatureRow | undefined;
    return row && toSignature(row);
  }

  async listAgreementSignatures(space: string): Promise<AgreementSignatureRecord[]> {
    return (this.statements.listSignatures.all(space) as SignatureRow[]).map(toSignature);
  }

  async appendAudit(space: string, entry: NewAuditEntry): Promise<AuditEntry> {
    return this.db.transaction(() => {
      if (!this.statements.getSpace.get(space)) throw new StorageNotFound(`space ${space} does not exist`);
      const seq = (this.statements.lastAuditSeq.get(space) as { seq: number }).seq + 1;
      const stored: AuditEntry = { ...entry, seq, time: entry.time ?? new Date().toISOString() };
      this.statements.insertAudit.run(
        space,
        seq,
        stored.time,
        stored.event,
        stored.actor,
        stored.subject ?? null,
        stored.role ?? null,
        stored.room ?? null,
        stored.reason ?? null,
        stored.count ?? null,
        stored.since ?? null,
        stored.actorName ?? null,
        stored.subjectName ?? null,
      );
      return stored;
    })();
  }

  async recordRefusal(
    space: string,
    refusal: Refusal,
    { windowMs, entriesPerWindow }: RefusalAggregation,
  ): Promise<AuditEntry | undefined> {
    return this.db.transaction(() => {
      if (!this.statements.getSpace.get(space)) return undefined;
      const start = refusalWindowStart(refusal.time, windowMs);
      const inWindow = this.statements.windowRefusals.all(space, start) as Pick<
        AuditRow,
        'seq' | 'actor' | 'reason' | 'count' | 'since'
      >[];
      const counted = inWindow.filter((e) => e.reason !== REFUSAL_OVERFLOW_REASON);
      const overflow =
        !counted.some((e) => e.actor === refusal.actor && e.reason === refusal.reason) &&
        counted.length >= entriesPerWindow;
      const actor = overflow ? null : refusal.actor;
      const reason = overflow ? REFUSAL_OVERFLOW_REASON : refusal.reason;
      const previous = inWindow.find((e) => e.actor === actor && e.reason === reason);
      const seq = (this.statements.lastAuditSeq.get(space) as { seq: number }).seq + 1;
      if (previous) {
        const row = this.statements.bumpRefusal.get(seq, refusal.time, refusal.room, space, previous.seq) as AuditRow;
        return toAudit(row);
      }
      this.statements.insertAudit.run(
        space,
        seq,
        refusal.time,
        'refused',
        actor,
        null,
        null,
        refusal.room,
        reason,
        1,
        refusal.time,
        null,
        null,
      );
      return toAudit({
        seq,
        time: refusal.time,
        event: 'refused',
        actor,
        subject: null,
        role: null,
        room: refusal.room,
        reason,
        count: 1,
        since: refusal.time,
        actor_name: null,
        subject_name: null,
      });
    })();
  }

  async listAudit(space: string, after: number, limit: number): Promise<AuditEntry[]> {
    return (this.statements.listAudit.all(space, after, limit) as AuditRow[]).map(toAudit);
  }

  async putListing(listing: ListingRecord): Promise<void> {
    this.directory.putListing(listing);
  }

  async getListing(space: string): Promise<ListingRecord | undefined> {
    return this.directory.getListing(space);
  }

  async removeListing(space: string): Promise<boolean> {
    return this.directory.removeListing(space);
  }

  async listListings(): Promise<ListingRecord[]> {
    return this.directory.listListings();
  }

  async setHiddenFromHints(space: string, publicKey: PublicKeyText, hidden: boolean): Promise<void> {
    this.directory.setHidden(space, publicKey, hidden);
  }

  async listHiddenFromHints(space: string): Promise<PublicKeyText[]> {
    return this.directory.listHidden(space);
  }

  async listMemberships(publicKey: string): Promise<string[]> {
    return this.directory.memberships(publicKey);
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (!this.db.open) return;
    this.journal.flush();
    this.db.close();
  }

  private documentId(space: string, document: string): number | undefined {
    const key = documentKey(space, document);
    let id = this.documentIds.get(key);
    if (id === undefined) {
      id = (this.statements.getDocumentId.get(space, document) as { id: number } | undefined)?.id;
      if (id !== undefined) this.documentIds.set(key, id);
    }
    return id;
  }

  private insertMember(space: string, m: MemberRecord): void {
    this.statements.putMember.run(space, m.publicKey, m.name, m.role, m.since, m.grantedBy);
  }
}

function documentKey(space: string, document: string): string {
  return `${space}\u0000${document}`;
}
