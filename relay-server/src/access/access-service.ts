/**
 * Who may do what in a space: admission, grants, revocations (with the last-lead rule) and the audit log.
 * Membership changes are announced to listeners so the relay can cut off or re-role live connections.
 */
import {
  type AuditEntry,
  cleanDisplayName,
  colorForFingerprint,
  fingerprint,
  isUnnamed,
  type Member,
  type MySpaceInfo,
  type Participant,
  type PublicKeyText,
  type Role,
  unnamedMember,
} from '@enclave/shared';
import type { Logger } from '../observability/logger.js';
import {
  type MemberRecord,
  type NewAuditEntry,
  type SpaceRecord,
  LastLeadError,
  type Storage,
  StorageConflict,
} from '../storage/storage.js';
import { RequestFailure } from '../control/request-failure.js';

export type MembershipListener = (space: string, publicKey: PublicKeyText, member: MemberRecord | undefined) => void;

export class AccessService {
  private readonly fingerprints = new Map<string, Promise<string>>();
  private readonly listeners = new Set<MembershipListener>();
  private readonly auditsInFlight = new Set<Promise<void>>();

  constructor(
    private readonly storage: Storage,
    private readonly admins: ReadonlySet<string>,
    private readonly logger: Logger,
  ) {}

  isAdmin(publicKey: string): boolean {
    return this.admins.has(publicKey);
  }

  /**
   * The spaces `publicKey` is a member of, with its role in each: what `spaces.mine` answers. One member
   * lookup per space: fine for a relay of hundreds of spaces; a storage index would serve thousands.
   */
  async spacesOf(publicKey: PublicKeyText): Promise<MySpaceInfo[]> {
    const mine: MySpaceInfo[] = [];
    for (const space of await this.storage.listSpaces()) {
      const member = await this.storage.getMember(space.name, publicKey);
      if (member) mine.push({ name: space.name, role: member.role, sealed: Boolean(space.sealed) });
    }
    return mine;
  }

  onMembershipChange(listener: MembershipListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async lookup(space: string, publicKey: string): Promise<{ space?: SpaceRecord; member?: MemberRecord }> {
    const record = await this.storage.getSpace(space);
    if (!record) return {};
    const member = await this.storage.getMember(space, publicKey);
    return member ? { space: record, member } : { space: record };
  }

  /** The identity as others see it: the access-list name, fingerprint and colour. */
  async participant(publicKey: PublicKeyText, name: string | undefined): Promise<Participant> {
    const fp = await this.fingerprintOf(publicKey);
    return { publicKey, name: name?.trim() || unnamedMember(fp), fingerprint: fp, color: colorForFingerprint(fp) };
  }

  async toWire(member: MemberRecord): Promise<Member> {
    return { ...member, fingerprint: await this.fingerprintOf(member.publicKey) };
  }

  async createSpace(
    space: string,
    creator: PublicKeyText,
    creatorName: string | undefined,
    sealed = false,
  ): Promise<void> {
    if (!this.isAdmin(creator)) throw new RequestFailure('forbidden', 'only relay admins can create spaces');
    const now = new Date().toISOString();
    const name = cleanDisplayName(creatorName) ?? `admin ${await this.fingerprintOf(creator)}`;
    try {
      await this.storage.createSpace(
        { name: space, created: now, createdBy: creator, ...(sealed ? { sealed: true } : {}) },
        { publicKey: creator, name, role: 'lead', since: now, grantedBy: null },
      );
    } catch (error) {
      if (error instanceof StorageConflict) throw new RequestFailure('conflict', `space ${space} already exists`);
      throw error;
    }
    await this.audit(space, { event: 'space-created', actor: creator, subject: creator, role: 'lead' });
  }

  /** Adds a member or changes a role. Only leads; the last lead cannot step down (storage enforces it). */
  async grant(
    space: string,
    actor: PublicKeyText,
    target: PublicKeyText,
    role: Role,
    name?: string,
  ): Promise<MemberRecord> {
    await this.requireLead(space, actor);
    const existing = await this.storage.getMember(space, target);
    const member = await this.memberRecord(actor, target, role, name, existing);
    await lastLeadAsFailure(this.storage.putMember(space, member));
    await this.granted(space, actor, member, existing);
    return member;
  }

  /** The access-list record of a grant: the name given, else the one on the list; `since` moves with the role. */
  async memberRecord(
    actor: PublicKeyText,
    target: PublicKeyText,
    role: Role,
    name: string | undefined,
    existing: MemberRecord | undefined,
  ): Promise<MemberRecord> {
    return {
      publicKey: target,
      name: cleanDisplayName(name) ?? existing?.name ?? unnamedMember(await this.fingerprintOf(target)),
      role,
      since: existing && existing.role === role ? existing.since : new Date().toISOString(),
      grantedBy: actor,
    };
  }

  /** A grant was stored (here or with an approval in storage): audit it and re-role live connections. */
  async granted(
    space: string,
    actor: PublicKeyText,
    member: MemberRecord,
    existing: MemberRecord | undefined,
  ): Promise<void> {
    const { publicKey: subject, role } = member;
    await this.audit(space, { event: existing ? 'role-changed' : 'granted', actor, subject, role });
    this.announce(space, subject, member);
  }

  async revoke(space: string, actor: PublicKeyText, target: PublicKeyText): Promise<boolean> {
    await this.requireLead(space, actor);
    const record = await this.storage.getSpace(space);
    if (record?.sealed) {
      // The revoked member holds the current key: only a new epoch (keys.rotate) keeps later work from them.
      throw new RequestFailure('bad-request', 'in a sealed space, revoke by starting a new epoch (keys.rotate)');
    }
    const existing = await this.storage.getMember(space, target);
    if (!existing) return false;
    // Storage checks the last-lead rule and removes in one step: two leads revoking each other cannot both win.
    const removed = await lastLeadAsFailure(this.storage.removeMember(space, target));
    if (removed) await this.revoked(space, actor, target, existing.role, existing.name);
    return removed;
  }

  /** A member was removed (here or by a rotation in storage): audit it and close their connections. */
  async revoked(space: string, actor: PublicKeyText, target: PublicKeyText, role: Role, name?: string): Promise<void> {
    await this.audit(space, { event: 'revoked', actor, subject: target, role, ...(name ? { subjectName: name } : {}) });
    this.announce(space, target, undefined);
  }

  async requireMember(space: string, publicKey: string): Promise<MemberRecord> {
    const member = await this.storage.getMember(space, publicKey);
    if (!member) throw new RequestFailure('forbidden', 'you are not a member of this space');
    return member;
  }

  async requireLead(space: string, publicKey: string): Promise<MemberRecord> {
    const member = await this.requireMember(space, publicKey);
    if (member.role !== 'lead') throw new RequestFailure('forbidden', 'only a lead of this space can do that');
    return member;
  }

  /**
   * A member nobody named (granted without a name) takes the name they chose for themselves, once: the
   * access list then shows what everyone calls them. A lead's name is never replaced.
   */
  async adoptChosenName(space: string, member: MemberRecord, chosen: string | undefined): Promise<MemberRecord> {
    const name = cleanDisplayName(chosen);
    if (!name || !isUnnamed(member.name, await this.fingerprintOf(member.publicKey))) return member;
    // Only the name: a put of the whole record could undo a revocation or role change made meanwhile.
    await this.storage.renameMember(space, member.publicKey, name);
    return { ...member, name };
  }

  /**
   * Records an audit entry with the names of its actor and subject as the access list has them now (unless
   * the caller gave them), so the log still names people after they leave. A failure is logged, never
   * allowed to break the action it records.
   */
  async audit(space: string, entry: NewAuditEntry): Promise<void> {
    const writing = this.writeAudit(space, entry);
    this.auditsInFlight.add(writing);
    try {
      await writing;
    } finally {
      this.auditsInFlight.delete(writing);
    }
  }

  /**
   * Resolves once the audit writes begun so far have ended: a stopping relay waits for them (the entries of
   * the connections it has just closed) before it closes its storage.
   */
  async auditsWritten(): Promise<void> {
    while (this.auditsInFlight.size > 0) await Promise.all(this.auditsInFlight);
  }

  private async writeAudit(space: string, entry: NewAuditEntry): Promise<void> {
    try {
      const actorName = entry.actorName ?? (await this.nameOnList(space, entry.actor));
      const subjectName =
        entry.subjectName ?? (entry.subject === entry.actor ? actorName : await this.nameOnList(space, entry.subject));
      await this.storage.appendAudit(space, {
        ...entry,
        ...(actorName === undefined ? {} : { actorName }),
        ...(subjectName === undefined ? {} : { subjectName }),
      });
    } catch (error) {
      this.logger.log('error', 'audit write failed', { space, event: entry.event, error: String(error) });
    }
  }

  /**
   * Audit entries for readers: each with its people's fingerprints, and named from today's access list
   * where the entry was written without names (by an older relay).
   */
  async listAudit(space: string, after: number, limit: number): Promise<AuditEntry[]> {
    const entries = await this.storage.listAudit(space, after, limit);
    const names = new Map<string, string>((await this.storage.listMembers(space)).map((m) => [m.publicKey, m.name]));
    const person = async (
      key: string | null | undefined,
      name: string | undefined,
    ): Promise<{ name?: string | undefined; fingerprint?: string }> => {
      if (!key) return {};
      const fp = await this.fingerprintOf(key);
      const known = name ?? names.get(key);
      return { name: known === undefined || isUnnamed(known, fp) ? undefined : known, fingerprint: fp };
    };
    return Promise.all(
      entries.map(async (entry) => {
        const actor = await person(entry.actor, entry.actorName);
        const subject = await person(entry.subject, entry.subjectName);
        return {
          ...entry,
          ...(actor.name === undefined ? {} : { actorName: actor.name }),
          ...(actor.fingerprint === undefined ? {} : { actorFingerprint: actor.fingerprint }),
          ...(subject.name === undefined ? {} : { subjectName: subject.name }),
          ...(subject.fingerprint === undefined ? {} : { subjectFingerprint: subject.fingerprint }),
        };
      }),
    );
  }

  /** A member's name, or undefined for a non-member or a member nobody named. */
  private async nameOnList(space: string, key: PublicKeyText | null | undefined): Promise<string | undefined> {
    if (!key) return undefined;
    const member = await this.storage.getMember(space, key);
    return member && !isUnnamed(member.name, await this.fingerprintOf(key)) ? member.name : undefined;
  }

  private fingerprintOf(publicKey: string): Promise<string> {
    let found = this.fingerprints.get(publicKey);
    if (!found) {
      if (this.fingerprints.size > 10_000) this.fingerprints.clear(); // bounded: keys are free to make
      found = fingerprint(publicKey);
      this.fingerprints.set(publicKey, found);
    }
    return found;
  }

  private announce(space: string, publicKey: PublicKeyText, member: MemberRecord | undefined): void {
    for (const listener of this.listeners) listener(space, publicKey, member);
  }
}

/** The last-lead rule, enforced by storage, told to the requester as the 'last-lead' failure. */
export async function lastLeadAsFailure<T>(write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (error) {
    if (error instanceof LastLeadError) {
      throw new RequestFailure('last-lead', 'a space needs a lead: grant the lead role to someone else first');
    }
    throw error;
  }
}
