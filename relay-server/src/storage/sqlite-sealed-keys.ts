/**
 * A sealed space's epochs and wrapped content keys in SQLite (tables `epochs` and `wrapped_keys`,
 * sqlite-schema.ts), and the access-list writes under the last-lead rule. Each write is one transaction that
 * checks its rules (sealed-key-checks.ts) against what is stored at that moment, so a refused write leaves
 * nothing behind. Removing a member lives here because their wrapped keys must go with them.
 */
import type Database from 'better-sqlite3';
import type { PublicKeyText, Role } from '@enclave/shared';
import { chainConflict, checkNotLastLead, checkRotation, checkWrappedKeys } from './sealed-key-checks.js';
import { toWrappedKey, type WrappedKeyRow } from './storage-rows.js';
import {
  type EpochRotation,
  type MemberRecord,
  StorageConflict,
  StorageNotFound,
  type WrappedKeyRecord,
} from './storage.js';

export class SqliteSealedKeys {
  private readonly statements;

  constructor(private readonly db: Database.Database) {
    this.statements = {
      spaceExists: db.prepare('SELECT 1 FROM spaces WHERE name = ?'),
      currentEpoch: db.prepare('SELECT COALESCE(MAX(epoch), 0) FROM epochs WHERE space = ?').pluck(),
      insertEpoch: db.prepare('INSERT INTO epochs (space, epoch, created_by, created) VALUES (?, ?, ?, ?)'),
      putKey: db.prepare(
        `INSERT INTO wrapped_keys (space, epoch, public_key, wrapped, wrapped_by, created) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (space, epoch, public_key) DO UPDATE SET wrapped = excluded.wrapped,
         wrapped_by = excluded.wrapped_by, created = excluded.created`,
      ),
      listKeys: db.prepare(
        `SELECT epoch, public_key, wrapped, wrapped_by, created FROM wrapped_keys
         WHERE space = ? AND public_key = ? ORDER BY epoch`,
      ),
      // Every (member, epoch) pair without a key; epochs have no gaps, so their rows are 1..current.
      listMissing: db.prepare(
        `SELECT m.public_key AS publicKey, e.epoch AS epoch FROM members m JOIN epochs e ON e.space = m.space
         LEFT JOIN wrapped_keys k ON k.space = m.space AND k.epoch = e.epoch AND k.public_key = m.public_key
         WHERE m.space = ? AND k.public_key IS NULL ORDER BY e.epoch, m.public_key`,
      ),
      member: db.prepare('SELECT public_key, role FROM members WHERE space = ? AND public_key = ?'),
      leads: db.prepare("SELECT COUNT(*) FROM members WHERE space = ? AND role = 'lead'").pluck(),
      putMember: db.prepare(
        `INSERT INTO members (space, public_key, name, role, since, granted_by) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (space, public_key) DO UPDATE SET name = excluded.name, role = excluded.role,
         since = excluded.since, granted_by = excluded.granted_by`,
      ),
      deleteMember: db.prepare('DELETE FROM members WHERE space = ? AND public_key = ?'),
      chainLength: db.prepare('SELECT COUNT(*) FROM membership_chain WHERE space = ?').pluck(),
      listChain: db.prepare('SELECT statement FROM membership_chain WHERE space = ? ORDER BY seq').pluck(),
      insertChain: db.prepare('INSERT INTO membership_chain (space, seq, statement) VALUES (?, ?, ?)'),
      deleteMemberKeys: db.prepare('DELETE FROM wrapped_keys WHERE space = ? AND public_key = ?'),
    };
  }

  currentEpoch(space: string): number {
    return this.statements.currentEpoch.get(space) as number;
  }

  rotate(space: string, rotation: EpochRotation): void {
    this.db.transaction(() => {
      this.requireSpace(space);
      checkRotation(rotation, this.currentEpoch(space), (key) => this.isMember(space, key));
      if (rotation.revoke !== undefined) {
        checkNotLastLead(this.member(space, rotation.revoke), this.statements.leads.get(space) as number);
        this.removeMemberInTransaction(space, rotation.revoke);
      }
      this.statements.insertEpoch.run(space, rotation.epoch, rotation.by, rotation.created);
      this.insertKeys(space, rotation.keys);
    })();
  }

  putKeys(space: string, keys: readonly WrappedKeyRecord[]): void {
    this.db.transaction(() => {
      this.requireSpace(space);
      checkWrappedKeys(keys, this.currentEpoch(space), (key) => this.isMember(space, key));
      this.insertKeys(space, keys);
    })();
  }

  listKeys(space: string, publicKey: string): WrappedKeyRecord[] {
    return (this.statements.listKeys.all(space, publicKey) as WrappedKeyRow[]).map(toWrappedKey);
  }

  listMissing(space: string): { publicKey: PublicKeyText; epoch: number }[] {
    return this.statements.listMissing.all(space) as { publicKey: PublicKeyText; epoch: number }[];
  }

  listChain(space: string): string[] {
    return this.statements.listChain.all(space) as string[];
  }

  appendChain(space: string, seq: number, statement: string): void {
    this.db.transaction(() => {
      this.requireSpace(space);
      const length = this.statements.chainLength.get(space) as number;
      if (seq !== length + 1) throw new StorageConflict(chainConflict(seq, length));
      this.statements.insertChain.run(space, seq, statement);
    })();
  }

  /** Removes a member and every key wrapped to them; true when they were a member. Not the last lead. */
  removeMember(space: string, publicKey: string): boolean {
    return this.db.transaction(() => {
      checkNotLastLead(this.member(space, publicKey), this.statements.leads.get(space) as number);
      return this.removeMemberInTransaction(space, publicKey);
    })();
  }

  /** Inserts or replaces a member unless that takes the lead role from the only lead; call in a transaction. */
  putMember(space: string, m: MemberRecord): void {
    this.requireSpace(space);
    if (m.role !== 'lead') {
      checkNotLastLead(this.member(space, m.publicKey), this.statements.leads.get(space) as number);
    }
    this.statements.putMember.run(space, m.publicKey, m.name, m.role, m.since, m.grantedBy);
  }

  private removeMemberInTransaction(space: string, publicKey: string): boolean {
    this.statements.deleteMemberKeys.run(space, publicKey);
    return this.statements.deleteMember.run(space, publicKey).changes > 0;
  }

  private insertKeys(space: string, keys: readonly WrappedKeyRecord[]): void {
    for (const k of keys) this.statements.putKey.run(space, k.epoch, k.publicKey, k.wrapped, k.wrappedBy, k.created);
  }

  private requireSpace(space: string): void {
    if (!this.statements.spaceExists.get(space)) throw new StorageNotFound(`space ${space} does not exist`);
  }

  private isMember(space: string, publicKey: string): boolean {
    return this.member(space, publicKey) !== undefined;
  }

  private member(space: string, publicKey: string): Pick<MemberRecord, 'publicKey' | 'role'> | undefined {
    const row = this.statements.member.get(space, publicKey) as { public_key: string; role: string } | undefined;
    return row && { publicKey: row.public_key as PublicKeyText, role: row.role as Role };
  }
}
