/**
 * PostgreSQL storage: for several relays sharing one durable store (issue 13). Every rule that needs the
 * stored state (last lead, approve with grant, invite redemption, epochs, sequence numbers) is checked and
 * written in one transaction that first locks the space's row (SELECT ... FOR UPDATE), so relays changing
 * the same space take turns and a check always sees the writes before it. Reads run unlocked; a document
 * is read in one REPEATABLE READ transaction so its snapshot and updates agree. Updates are stored by one
 * statement that takes each document's next sequence numbers and inserts the rows, gathered over all
 * documents while the previous one is in flight (group commit): acknowledged means committed.
 */
import type { AuditEntry, PublicKeyText } from '@enclave/shared';
import { PostgresDirectory } from './postgres-directory.js';
import { PostgresPool, type PostgresPoolOptions, type Queryable } from './postgres-pool.js';
import { preparePostgresSchema } from './postgres-schema.js';
import { PostgresUpdateWriter } from './postgres-update-writer.js';
import {
  chainConflict,
  checkNotLastLead,
  checkRequester,
  checkRotation,
  checkWrappedKeys,
} from './sealed-key-checks.js';
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
  toWrappedKey,
  type WrappedKeyRow,
} from './storage-rows.js';
import {
  type AccessRequestRecord,
  type AgreementRecord,
  type AgreementSignatureRecord,
  type DocumentRecord,
  type EpochRotation,
  type InviteRecord,
  type ListingRecord,
  type MemberRecord,
  type NewAuditEntry,
  type Refusal,
  type RefusalAggregation,
  REFUSAL_OVERFLOW_REASON,
  refusalWindowStart,
  type SetAsideEntry,
  type SetAsideRecord,
  type SpaceRecord,
  type Storage,
  StorageConflict,
  type StoredDocumentState,
  StorageNotFound,
  type WrappedKeyRecord,
} from './storage.js';

export type PostgresStorageOptions = PostgresPoolOptions;

const CURRENT_EPOCH = 'SELECT COALESCE(MAX(epoch), 0) AS epoch FROM epochs WHERE space = $1';
const AUDIT_COLUMNS =
  'space, seq, time, event, actor, subject, role, room, reason, count, since, actor_name, subject_name';

export class PostgresStorage implements Storage {
  readonly engine = 'postgres';
  private readonly directory: PostgresDirectory;
  private readonly updates: PostgresUpdateWriter;
  private constructor(private readonly db: PostgresPool) {
    this.directory = new PostgresDirectory(db);
    this.updates = new PostgresUpdateWriter(db);
  }

  /** Connects, and creates or upgrades the schema; rejects when PostgreSQL cannot be reached. */
  static async open(connectionString: string, options: PostgresStorageOptions = {}): Promise<PostgresStorage> {
    const db = new PostgresPool(connectionString, options);
    try {
      await db.withClient(preparePostgresSchema);
    } catch (error) {
      await db.end();
      throw error;
    }
    return new PostgresStorage(db);
  }

  async createSpace(space: SpaceRecord, lead: MemberRecord): Promise<void> {
    await this.db.transaction(async (client) => {
      await client.query('INSERT INTO spaces (name, created, created_by, sealed) VALUES ($1, $2, $3, $4)', [
        space.name,
        space.created,
        space.createdBy,
        space.sealed === true,
      ]);
      await upsertMember(client, space.name, lead);
    });
  }

  async getSpace(name: string): Promise<SpaceRecord | undefined> {
    const [row] = await this.db.query<SpaceRow>(
      'SELECT name, created, created_by, sealed FROM spaces WHERE name = $1',
      [name],
    );
    return row && toSpace(row);
  }

  async listSpaces(): Promise<SpaceRecord[]> {
    const rows = await this.db.query<SpaceRow>(
      'SELECT name, created, created_by, sealed FROM spaces ORDER BY name COLLATE "C"',
    );
    return rows.map(toSpace);
  }

  async getMember(space: string, publicKey: string): Promise<MemberRecord | undefined> {
    const [row] = await this.db.query<MemberRow>('SELECT * FROM members WHERE space = $1 AND public_key = $2', [
      space,
      publicKey,
    ]);
    return row && toMember(row);
  }

  async listMembers(space: string): Promise<MemberRecord[]> {
    const rows = await this.db.query<MemberRow>(
      'SELECT * FROM members WHERE space = $1 ORDER BY since COLLATE "C", public_key COLLATE "C"',
      [space],
    );
    return rows.map(toMember);
  }

  async putMember(space: string, member: MemberRecord): Promise<void> {
    await this.db.transaction(async (client) => {
      if (!(await lockSpace(client, space))) throw new StorageNotFound(`space ${space} does not exist`);
      await putUnderLastLeadRule(client, space, member);
    });
  }

  async renameMember(space: string, publicKey: string, name: string): Promise<boolean> {
    const rows = await this.db.query('UPDATE members SET name = $1 WHERE space = $2 AND public_key = $3 RETURNING 1', [
      name,
      space,
      publicKey,
    ]);
    return rows.length > 0;
  }

  async removeMember(space: string, publicKey: string): Promise<boolean> {
    return this.db.transaction(async (client) => {
      if (!(await lockSpace(client, space))) return false;
      checkNotLastLead(await memberRole(client, space, publicKey), await leadCount(client, space));
      return removeMemberAndKeys(client, space, publicKey);
    });
  }

  async createDocument(space: string, document: DocumentRecord): Promise<void> {
    await this.db.query(
      'INSERT INTO documents (space, name, kind, schema_version, created, sealed_name) VALUES ($1, $2, $3, $4, $5, $6)',
      [
        space,
        document.name,
        document.kind,
        document.schemaVersion,
        document.created,
        document.sealedName ? bytes(document.sealedName) : null,
      ],
    );
  }

  async getDocument(space: string, name: string): Promise<DocumentRecord | undefined> {
    const [row] = await this.db.query<DocumentRow>(
      'SELECT name, kind, schema_version, created, sealed_name FROM documents WHERE space = $1 AND name = $2',
      [space, name],
    );
    return row && toDocument(row);
  }

  async listDocuments(space: string): Promise<DocumentRecord[]> {
    const rows = await this.db.query<DocumentRow>(
      `SELECT name, kind, schema_version, created, sealed_name FROM documents WHERE space = $1
       ORDER BY name COLLATE "C"`,
      [space],
    );
    return rows.map(toDocument);
  }

  async appendUpdate(space: string, document: string, update: Uint8Array): Promise<number> {
    return (await this.updates.append(space, document, [update]))[0]!;
  }

  appendUpdates(space: string, document: string, updates: readonly Uint8Array[]): Promise<number[]> {
    // Group commit (postgres-update-writer.ts): what all documents append meanwhile shares one statement.
    return this.updates.append(space, document, updates);
  }

  async loadDocument(space: string, document: string): Promise<StoredDocumentState> {
    return this.db.transaction(async (client) => {
      const head = (
        await client.query<{ id: number; snapshot: Buffer | null; snapshot_seq: number }>(
          'SELECT id, snapshot, snapshot_seq FROM documents WHERE space = $1 AND name = $2',
          [space, document],
        )
      ).rows[0];
      if (!head) throw new StorageNotFound(`document ${space}/${document} does not exist`);
      const rows = (
        await client.query<{ seq: number; data: Buffer }>(
          'SELECT seq, data FROM updates WHERE document = $1 AND seq > $2 ORDER BY seq',
          [head.id, head.snapshot_seq],
        )
      ).rows;
      const snapshot = head.snapshot ? view(head.snapshot) : null;
      const updates = rows.map((r) => view(r.data));
      return {
        snapshot,
        snapshotSeq: head.snapshot_seq,
        updates,
        updateSeqs: rows.map((r) => r.seq),
        lastSeq: rows.length > 0 ? rows[rows.length - 1]!.seq : head.snapshot_seq,
        bytes: (snapshot?.length ?? 0) + updates.reduce((n, u) => n + u.length, 0),
      };
    }, 'REPEATABLE READ');
  }

  async compactDocument(space: string, document: string, snapshot: Uint8Array, throughSeq: number): Promise<boolean> {
    return this.db.transaction((client) => replaceBySnapshot(client, space, document, snapshot, throughSeq, 'compact'));
  }

  async repairDocument(
    space: string,
    document: string,
    setAside: readonly SetAsideRecord[],
    snapshot: Uint8Array,
    throughSeq: number,
  ): Promise<void> {
    await this.db.transaction(async (client) => {
      await replaceBySnapshot(client, space, document, snapshot, throughSeq, 'repair');
      for (const r of setAside) {
        await client.query(
          'INSERT INTO set_aside (space, document, kind, seq, data, reason, time) VALUES ($1, $2, $3, $4, $5, $6, $7)',
          [space, document, r.kind, r.seq, bytes(r.data), r.reason, r.time],
        );
      }
    });
  }

  async listSetAside(): Promise<SetAsideEntry[]> {
    return (await this.db.query<SetAsideRow>('SELECT * FROM set_aside ORDER BY id')).map(toSetAside);
  }

  async currentEpoch(space: string): Promise<number> {
    return (await this.db.query<{ epoch: number }>(CURRENT_EPOCH, [space]))[0]?.epoch ?? 0;
  }

  async rotateEpoch(space: string, rotation: EpochRotation): Promise<void> {
    await this.db.transaction(async (client) => {
      if (!(await lockSpace(client, space))) throw new StorageNotFound(`space ${space} does not exist`);
      const members = await memberRoles(client, space);
      checkRotation(rotation, await currentEpoch(client, space), (key) => members.has(key));
      if (rotation.revoke !== undefined) {
        const leads = [...members.values()].filter((role) => role === 'lead').length;
        const role = members.get(rotation.revoke);
        checkNotLastLead(role && { publicKey: rotation.revoke, role }, leads);
        await removeMemberAndKeys(client, space, rotation.revoke);
      }
      await client.query('INSERT INTO epochs (space, epoch, created_by, created) VALUES ($1, $2, $3, $4)', [
        space,
        rotation.epoch,
        rotation.by,
        rotation.created,
      ]);
      await insertKeys(client, space, rotation.keys);
    });
  }

  async putWrappedKeys(space: string, keys: readonly WrappedKeyRecord[]): Promise<void> {
    await this.db.transaction(async (client) => {
      if (!(await lockSpace(client, space))) throw new StorageNotFound(`space ${space} does not exist`);
      const members = await memberRoles(client, space);
      checkWrappedKeys(keys, await currentEpoch(client, space), (key) => members.has(key));
      await insertKeys(client, space, keys);
    });
  }

  async listWrappedKeys(space: string, publicKey: string): Promise<WrappedKeyRecord[]> {
    const rows = await this.db.query<WrappedKeyRow>(
      `SELECT epoch, public_key, wrapped, wrapped_by, created FROM wrapped_keys
       WHERE space = $1 AND public_key = $2 ORDER BY epoch`,
      [space, publicKey],
    );
    return rows.map(toWrappedKey);
  }

  async listChainStatements(space: string): Promise<string[]> {
    const rows = await this.db.query<{ statement: string }>(
      'SELECT statement FROM membership_chain WHERE space = $1 ORDER BY seq',
      [space],
    );
    return rows.map((row) => row.statement);
  }

  async appendChainStatement(space: string, seq: number, statement: string): Promise<void> {
    await this.db.transaction(async (client) => {
      // The space's row lock orders appends; a second lead at the same place then sees the first's statement.
      if (!(await lockSpace(client, space))) throw new StorageNotFound(`space ${space} does not exist`);
      const counted = await client.query<{ n: number }>(
        'SELECT COUNT(*)::int AS n FROM membership_chain WHERE space = $1',
        [space],
      );
      const length = counted.rows[0]?.n ?? 0;
      if (seq !== length + 1) throw new StorageConflict(chainConflict(seq, length));
      await client.query('INSERT INTO membership_chain (space, seq, statement) VALUES ($1, $2, $3)', [
        space,
        seq,
        statement,
      ]);
    });
  }

  async listMissingKeys(space: string): Promise<{ readonly publicKey: PublicKeyText; readonly epoch: number }[]> {
    return this.db.query<{ publicKey: PublicKeyText; epoch: number }>(
      `SELECT m.public_key AS "publicKey", e.epoch AS epoch FROM members m JOIN epochs e ON e.space = m.space
       LEFT JOIN wrapped_keys k ON k.space = m.space AND k.epoch = e.epoch AND k.public_key = m.public_key
       WHERE m.space = $1 AND k.public_key IS NULL ORDER BY e.epoch, m.public_key COLLATE "C"`,
      [space],
    );
  }

  async createInvite(space: string, invite: InviteRecord): Promise<void> {
    await this.db.query(
      `INSERT INTO invites (space, id, token_hash, role, created, expires, created_by, used_by, used_at, revoked_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
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
      ],
    );
  }

  async findInvite(space: string, tokenHash: string): Promise<InviteRecord | undefined> {
    const [row] = await this.db.query<InviteRow>('SELECT * FROM invites WHERE space = $1 AND token_hash = $2', [
      space,
      tokenHash,
    ]);
    return row && toInvite(row);
  }

  async listInvites(space: string): Promise<InviteRecord[]> {
    const rows = await this.db.query<InviteRow>(
      'SELECT * FROM invites WHERE space = $1 ORDER BY created COLLATE "C", id COLLATE "C"',
      [space],
    );
    return rows.map(toInvite);
  }

  async redeemInvite(space: string, id: string, member: MemberRecord, now: string, proof?: string): Promise<boolean> {
    return this.db.transaction(async (client) => {
      if (!(await lockSpace(client, space))) return false;
      const used = await client.query(
        `UPDATE invites SET used_by = $1, used_at = $2, used_proof = $5 WHERE space = $3 AND id = $4
         AND used_by IS NULL AND revoked_at IS NULL AND expires > $2 RETURNING 1`,
        [member.publicKey, now, space, id, proof ?? null],
      );
      if (used.rowCount === 0) return false;
      await putUnderLastLeadRule(client, space, member); // LastLeadError rolls the redemption back
      return true;
    });
  }

  async revokeInvite(space: string, id: string, now: string): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE invites SET revoked_at = $1 WHERE space = $2 AND id = $3 AND used_by IS NULL AND revoked_at IS NULL
       RETURNING 1`,
      [now, space, id],
    );
    return rows.length > 0;
  }

  async createAccessRequest(space: string, r: AccessRequestRecord): Promise<void> {
    await this.db.query(
      `INSERT INTO access_requests (space, id, public_key, name, message, created, status, resolved_by, resolved_at, via)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [space, r.id, r.publicKey, r.name, r.message, r.created, r.status, r.resolvedBy, r.resolvedAt, r.via ?? null],
    );
  }

  async getAccessRequest(space: string, id: string): Promise<AccessRequestRecord | undefined> {
    const [row] = await this.db.query<RequestRow>('SELECT * FROM access_requests WHERE space = $1 AND id = $2', [
      space,
      id,
    ]);
    return row && toRequest(row);
  }

  async listAccessRequests(space: string): Promise<AccessRequestRecord[]> {
    const rows = await this.db.query<RequestRow>(
      'SELECT * FROM access_requests WHERE space = $1 ORDER BY created COLLATE "C", id COLLATE "C"',
      [space],
    );
    return rows.map(toRequest);
  }

  async approveAccessRequest(
    space: string,
    id: string,
    member: MemberRecord,
    by: PublicKeyText,
    at: string,
  ): Promise<boolean> {
    return this.db.transaction(async (client) => {
      if (!(await lockSpace(client, space))) return false;
      const request = (
        await client.query<RequestRow>(
          "SELECT * FROM access_requests WHERE space = $1 AND id = $2 AND status = 'pending'",
          [space, id],
        )
      ).rows[0];
      if (!request) return false;
      checkRequester({ id, publicKey: request.public_key }, member);
      await putUnderLastLeadRule(client, space, member);
      await client.query(
        "UPDATE access_requests SET status = 'approved', resolved_by = $1, resolved_at = $2 WHERE space = $3 AND id = $4",
        [by, at, space, id],
      );
      return true;
    });
  }

  async denyAccessRequest(space: string, id: string, by: PublicKeyText, at: string): Promise<boolean> {
    const rows = await this.db.query(
      `UPDATE access_requests SET status = 'denied', resolved_by = $1, resolved_at = $2
       WHERE space = $3 AND id = $4 AND status = 'pending' RETURNING 1`,
      [by, at, space, id],
    );
    return rows.length > 0;
  }

  async addAgreement(space: string, a: AgreementRecord): Promise<void> {
    try {
      await this.db.query(
        'INSERT INTO agreements (space, version, hash, text, set_by, created) VALUES ($1, $2, $3, $4, $5, $6)',
        [space, a.version, a.hash, a.text, a.setBy, a.set],
      );
    } catch (error) {
      if (error instanceof StorageConflict) throw new StorageConflict(`agreement version ${a.version} exists`);
      throw error;
    }
  }

  async getAgreement(space: string): Promise<AgreementRecord | undefined> {
    const [row] = await this.db.query<AgreementRow>(
      'SELECT * FROM agreements WHERE space = $1 ORDER BY version DESC LIMIT 1',
      [space],
    );
    return row && toAgreement(row);
  }

  async addAgreementSignature(space: string, s: AgreementSignatureRecord): Promise<void> {
    await this.db.query(
      `INSERT INTO agreement_signatures (space, version, hash, public_key, signature, signed)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (space, version, public_key) DO UPDATE SET signature = excluded.signature, signed = excluded.signed`,
      [space, s.version, s.hash, s.publicKey, s.signature, s.signed],
    );
  }

  async getAgreementSignature(
    space: string,
    version: number,
    publicKey: string,
  ): Promise<AgreementSignatureRecord | undefined> {
    const [row] = await this.db.query<SignatureRow>(
      'SELECT * FROM agreement_signatures WHERE space = $1 AND version = $2 AND public_key = $3',
      [space, version, publicKey],
    );
    return row && toSignature(row);
  }

  async listAgreementSignatures(space: string): Promise<AgreementSignatureRecord[]> {
    const rows = await this.db.query<SignatureRow>(
      'SELECT * FROM agreement_signatures WHERE space = $1 ORDER BY signed COLLATE "C", public_key COLLATE "C"',
      [space],
    );
    return rows.map(toSignature);
  }

  async appendAudit(space: string, entry: NewAuditEntry): Promise<AuditEntry> {
    const stored = { ...entry, time: entry.time ?? new Date().toISOString() };
    // One statement: the space's row stays locked from taking the number to the commit.
    const [row] = await this.db.query<AuditRow>(
      `WITH next AS (UPDATE spaces SET audit_seq = audit_seq + 1 WHERE name = $1 RETURNING audit_seq)
       INSERT INTO audit (${AUDIT_COLUMNS})
       SELECT $1, audit_seq, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12 FROM next RETURNING seq`,
      [
        space,
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
      ],
    );
    if (!row) throw new StorageNotFound(`space ${space} does not exist`);
    return { ...stored, seq: row.seq };
  }

  async recordRefusal(
    space: string,
    refusal: Refusal,
    { windowMs, entriesPerWindow }: RefusalAggregation,
  ): Promise<AuditEntry | undefined> {
    return this.db.transaction(async (client) => {
      const head = (
        await client.query<{ audit_seq: number }>('SELECT audit_seq FROM spaces WHERE name = $1 FOR UPDATE', [space])
      ).rows[0];
      if (!head) return undefined;
      const start = refusalWindowStart(refusal.time, windowMs);
      const inWindow = (
        await client.query<Pick<AuditRow, 'seq' | 'actor' | 'reason' | 'count' | 'since'>>(
          `SELECT seq, actor, reason, count, since FROM audit WHERE space = $1 AND event = 'refused' AND since >= $2`,
          [space, start],
        )
      ).rows;
      const counted = inWindow.filter((e) => e.reason !== REFUSAL_OVERFLOW_REASON);
      const overflow =
        !counted.some((e) => e.actor === refusal.actor && e.reason === refusal.reason) &&
        counted.length >= entriesPerWindow;
      const actor = overflow ? null : refusal.actor;
      const reason = overflow ? REFUSAL_OVERFLOW_REASON : refusal.reason;
      const previous = inWindow.find((e) => e.actor === actor && e.reason === reason);
      const seq = head.audit_seq + 1;
      await client.query('UPDATE spaces SET audit_seq = $1 WHERE name = $2', [seq, space]);
      if (previous) {
        const bumped = await client.query<AuditRow>(
          `UPDATE audit SET seq = $1, time = $2, room = $3, count = count + 1 WHERE space = $4 AND seq = $5
           RETURNING *`,
          [seq, refusal.time, refusal.room, space, previous.seq],
        );
        return toAudit(bumped.rows[0]!);
      }
      const inserted = await client.query<AuditRow>(
        `INSERT INTO audit (${AUDIT_COLUMNS})
         VALUES ($1, $2, $3, 'refused', $4, NULL, NULL, $5, $6, 1, $3, NULL, NULL) RETURNING *`,
        [space, seq, refusal.time, actor, refusal.room, reason],
      );
      return toAudit(inserted.rows[0]!);
    });
  }

  async listAudit(space: string, after: number, limit: number): Promise<AuditEntry[]> {
    const rows = await this.db.query<AuditRow>(
      'SELECT * FROM audit WHERE space = $1 AND seq > $2 ORDER BY seq LIMIT $3',
      [space, after, limit],
    );
    return rows.map(toAudit);
  }

  putListing(listing: ListingRecord): Promise<void> {
    return this.directory.putListing(listing);
  }

  getListing(space: string): Promise<ListingRecord | undefined> {
    return this.directory.getListing(space);
  }

  removeListing(space: string): Promise<boolean> {
    return this.directory.removeListing(space);
  }

  listListings(): Promise<ListingRecord[]> {
    return this.directory.listListings();
  }

  setHiddenFromHints(space: string, publicKey: PublicKeyText, hidden: boolean): Promise<void> {
    return this.directory.setHidden(space, publicKey, hidden);
  }

  listHiddenFromHints(space: string): Promise<PublicKeyText[]> {
    return this.directory.listHidden(space);
  }

  listMemberships(publicKey: string): Promise<string[]> {
    return this.directory.memberships(publicKey);
  }

  async ping(): Promise<void> {
    await this.db.query('SELECT 1');
  }

  async close(): Promise<void> {
    await this.db.end();
  }
}

/** A Buffer over the same bytes, for the driver (it sends Buffers as bytea). */
function bytes(data: Uint8Array): Buffer {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** A plain Uint8Array over the driver's Buffer. */
function view(data: Buffer): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * Locks the space's row until the transaction ends: every change to its access list, epochs or keys takes
 * this lock first, so such changes to one space run one after another whichever relay makes them.
 */
async function lockSpace(client: Queryable, space: string): Promise<boolean> {
  return ((await client.query('SELECT 1 FROM spaces WHERE name = $1 FOR UPDATE', [space])).rowCount ?? 0) > 0;
}

async function memberRole(
  client: Queryable,
  space: string,
  publicKey: string,
): Promise<Pick<MemberRecord, 'publicKey' | 'role'> | undefined> {
  const row = (
    await client.query<Pick<MemberRow, 'role'>>('SELECT role FROM members WHERE space = $1 AND public_key = $2', [
      space,
      publicKey,
    ])
  ).rows[0];
  return row && { publicKey: publicKey as PublicKeyText, role: row.role as MemberRecord['role'] };
}

async function memberRoles(client: Queryable, space: string): Promise<Map<string, MemberRecord['role']>> {
  const rows = (
    await client.query<Pick<MemberRow, 'public_key' | 'role'>>(
      'SELECT public_key, role FROM members WHERE space = $1',
      [space],
    )
  ).rows;
  return new Map(rows.map((r) => [r.public_key, r.role as MemberRecord['role']]));
}

async function leadCount(client: Queryable, space: string): Promise<number> {
  const row = (
    await client.query<{ n: number }>("SELECT COUNT(*) AS n FROM members WHERE space = $1 AND role = 'lead'", [space])
  ).rows[0];
  return row?.n ?? 0;
}

async function upsertMember(client: Queryable, space: string, m: MemberRecord): Promise<void> {
  await client.query(
    `INSERT INTO members (space, public_key, name, role, since, granted_by) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (space, public_key) DO UPDATE SET name = excluded.name, role = excluded.role,
     since = excluded.since, granted_by = excluded.granted_by`,
    [space, m.publicKey, m.name, m.role, m.since, m.grantedBy],
  );
}

/** Puts a member unless that takes the lead role from the only lead; the space's row must be locked. */
async function putUnderLastLeadRule(client: Queryable, space: string, member: MemberRecord): Promise<void> {
  if (member.role !== 'lead') {
    checkNotLastLead(await memberRole(client, space, member.publicKey), await leadCount(client, space));
  }
  await upsertMember(client, space, member);
}

/** Removes a member and every key wrapped to them; true when they were a member. */
async function removeMemberAndKeys(client: Queryable, space: string, publicKey: string): Promise<boolean> {
  await client.query('DELETE FROM wrapped_keys WHERE space = $1 AND public_key = $2', [space, publicKey]);
  const removed = await client.query('DELETE FROM members WHERE space = $1 AND public_key = $2', [space, publicKey]);
  return (removed.rowCount ?? 0) > 0;
}

async function currentEpoch(client: Queryable, space: string): Promise<number> {
  return (await client.query<{ epoch: number }>(CURRENT_EPOCH, [space])).rows[0]?.epoch ?? 0;
}

async function insertKeys(client: Queryable, space: string, keys: readonly WrappedKeyRecord[]): Promise<void> {
  for (const k of keys) {
    await client.query(
      `INSERT INTO wrapped_keys (space, epoch, public_key, wrapped, wrapped_by, created)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (space, epoch, public_key) DO UPDATE SET wrapped = excluded.wrapped,
       wrapped_by = excluded.wrapped_by, created = excluded.created`,
      [space, k.epoch, k.publicKey, bytes(k.wrapped), k.wrappedBy, k.created],
    );
  }
}

/**
 * Replaces a document's updates up to `throughSeq` by `snapshot`. A snapshot older than the stored one (a
 * relay compacting behind another) changes nothing: updates after either snapshot always stay.
 */
/**
 * Replaces the updates through `throughSeq` by `snapshot`; false (no change) when the stored snapshot already
 * covers more, or, compacting, as much (another relay compacted meanwhile). A repair replaces a damaged
 * snapshot of the same sequence.
 */
async function replaceBySnapshot(
  client: Queryable,
  space: string,
  document: string,
  snapshot: Uint8Array,
  throughSeq: number,
  purpose: 'compact' | 'repair',
): Promise<boolean> {
  const head = (
    await client.query<{ id: number; snapshot_seq: number }>(
      'SELECT id, snapshot_seq FROM documents WHERE space = $1 AND name = $2 FOR UPDATE',
      [space, document],
    )
  ).rows[0];
  if (!head) throw new StorageNotFound(`document ${space}/${document} does not exist`);
  const covered = purpose === 'compact' ? head.snapshot_seq >= throughSeq : head.snapshot_seq > throughSeq;
  if (covered) return false;
  await client.query('UPDATE documents SET snapshot = $1, snapshot_seq = $2 WHERE id = $3', [
    bytes(snapshot),
    throughSeq,
    head.id,
  ]);
  await client.query('DELETE FROM updates WHERE document = $1 AND seq <= $2', [head.id, throughSeq]);
  return true;
}
