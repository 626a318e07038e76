/**
 * The conformance suite every Storage implementation runs (a few lines per engine, see *.test.ts).
 * It checks behaviour the relay relies on: uniqueness, ordering, atomic compaction, audit sequencing,
 * sealed spaces' epochs and wrapped keys (compare-and-set, last lead, members only), and that data is still there after the storage is closed and reopened (for durable engines).
 */
import assert from 'node:assert/strict';
import * as Y from 'yjs';
import type { PublicKeyText } from '@enclave/shared';
import {
  LastLeadError,
  type MemberRecord,
  type Refusal,
  REFUSAL_OVERFLOW_REASON,
  type Storage,
  StorageConflict,
  StorageNotFound,
  type WrappedKeyRecord,
} from './storage.js';
import { describeDirectoryConformance } from './storage-conformance-directory.js';

export interface ConformanceTarget {
  /** A fresh, empty storage. */
  create(): Promise<Storage>;
  /**
   * Another storage object on the data `create` made last (PostgreSQL: a second pool on the same database),
   * as a second relay would have, for the concurrent cases. Omitted where one process holds the data alone
   * (memory; SQLite locks its file): the concurrent cases then race calls on the one object.
   */
  second?: () => Promise<Storage>;
  /** Reopens what `create` made last after `close()`; omitted for non-durable engines. */
  reopen?: () => Promise<Storage>;
}

const LEAD = 'ed25519:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' as PublicKeyText;
const OTHER = 'ed25519:AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE' as PublicKeyText;
const now = '2026-01-01T00:00:00.000Z';
const lead: MemberRecord = { publicKey: LEAD, name: 'Lead', role: 'lead', since: now, grantedBy: null };
const editor: MemberRecord = { publicKey: OTHER, name: 'Ed', role: 'editor', since: now, grantedBy: LEAD };
const STRANGER = 'ed25519:AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI' as PublicKeyText;

const HOUR = { windowMs: 3_600_000, entriesPerWindow: 3 };
/** Rounds of each race: one round can miss the interleaving that breaks a read-check-write engine. */
const ROUNDS = 8;
const pendingRequest = {
  id: 'req1',
  publicKey: OTHER,
  name: 'Asker',
  message: 'may I?',
  created: now,
  status: 'pending' as const,
  resolvedBy: null,
  resolvedAt: null,
};
const openInvite = {
  id: 'inv1',
  tokenHash: 'a'.repeat(64),
  role: 'editor' as const,
  created: now,
  expires: '2026-01-02T00:00:00.000Z',
  createdBy: LEAD,
  usedBy: null,
  usedAt: null,
  revokedAt: null,
};

/** A refusal `seconds` after `now`. */
function refusal(actor: PublicKeyText | null, reason: string, seconds: number, room = 'team/doc'): Refusal {
  return { actor, reason, room, time: new Date(Date.parse(now) + seconds * 1000).toISOString() };
}

/** A key of `epoch` wrapped (as far as storage can tell) to `publicKey`; `fill` tells copies apart. */
function wrappedKey(epoch: number, publicKey: PublicKeyText, fill = epoch): WrappedKeyRecord {
  return { epoch, publicKey, wrapped: new Uint8Array(48).fill(fill), wrappedBy: LEAD, created: now };
}

/** The sealed space 'vault' with LEAD as lead and OTHER as editor, before any epoch. */
async function createVault(storage: Storage): Promise<void> {
  await storage.createSpace({ name: 'vault', created: now, createdBy: LEAD, sealed: true }, lead);
  await storage.putMember('vault', editor);
}

function textUpdate(doc: Y.Doc, text: string): Uint8Array {
  let update: Uint8Array | undefined;
  const capture = (u: Uint8Array): void => {
    update = u;
  };
  doc.on('update', capture);
  doc.getText('t').insert(doc.getText('t').length, text);
  doc.off('update', capture);
  return update!;
}

export function describeStorageConformance(name: string, target: ConformanceTarget): void {
  describe(`Storage conformance: ${name}`, () => {
    let storage: Storage;
    beforeEach(async () => {
      storage = await target.create();
      await storage.createSpace({ name: 'team', created: now, createdBy: LEAD }, lead);
    });
    afterEach(async () => storage.close());

    it('creates a space with its lead, and refuses a second space of the same name', async () => {
      assert.deepEqual(await storage.getSpace('team'), { name: 'team', created: now, createdBy: LEAD });
      assert.deepEqual(await storage.getMember('team', LEAD), lead);
      await assert.rejects(
        storage.createSpace({ name: 'team', created: now, createdBy: OTHER }, { ...lead, publicKey: OTHER }),
        StorageConflict,
      );
      assert.equal(await storage.getMember('team', OTHER), undefined, 'the refused creation left no member');
      assert.equal(await storage.getSpace('nope'), undefined);
      assert.deepEqual(
        (await storage.listSpaces()).map((s) => s.name),
        ['team'],
      );
    });

    it('puts, replaces, lists and removes members', async () => {
      const editor: MemberRecord = { publicKey: OTHER, name: 'Ed', role: 'editor', since: now, grantedBy: LEAD };
      await storage.putMember('team', editor);
      await storage.putMember('team', { ...editor, role: 'viewer', name: 'Eddie' });
      assert.deepEqual(await storage.getMember('team', OTHER), { ...editor, role: 'viewer', name: 'Eddie' });
      assert.equal((await storage.listMembers('team')).length, 2);
      assert.equal(await storage.removeMember('team', OTHER), true);
      assert.equal(await storage.removeMember('team', OTHER), false);
      assert.deepEqual(await storage.listMembers('team'), [lead]);
      assert.deepEqual(await storage.listMembers('nope'), []);
    });

    it('creates documents once, in existing spaces only, and lists them by name', async () => {
      await storage.createDocument('team', { name: 'b.md', kind: 'draft', schemaVersion: 1, created: now });
      await storage.createDocument('team', { name: 'a.ipynb', kind: 'notebook', schemaVersion: 1, created: now });
      await assert.rejects(
        storage.createDocument('team', { name: 'a.ipynb', kind: 'draft', schemaVersion: 1, created: now }),
        StorageConflict,
      );
      await assert.rejects(
        storage.createDocument('nope', { name: 'x', kind: 'draft', schemaVersion: 1, created: now }),
        StorageNotFound,
      );
      assert.deepEqual(
        (await storage.listDocuments('team')).map((d) => [d.name, d.kind]),
        [
          ['a.ipynb', 'notebook'],
          ['b.md', 'draft'],
        ],
      );
      assert.equal((await storage.getDocument('team', 'a.ipynb'))?.kind, 'notebook');
    });

    it('appends updates in order and rebuilds the same document from them', async () => {
      await storage.createDocument('team', { name: 'd', kind: 'draft', schemaVersion: 1, created: now });
      const source = new Y.Doc();
      const seqs: number[] = [];
      for (const word of ['alpha ', 'beta ', 'gamma']) {
        seqs.push(await storage.appendUpdate('team', 'd', textUpdate(source, word)));
      }
      assert.deepEqual(
        [...seqs].sort((a, b) => a - b),
        seqs,
        'sequence numbers increase',
      );
      const state = await storage.loadDocument('team', 'd');
      assert.equal(state.snapshot, null);
      assert.equal(state.updates.length, 3);
      assert.equal(state.lastSeq, seqs[2]);
      const rebuilt = new Y.Doc();
      state.updates.forEach((u) => Y.applyUpdate(rebuilt, u));
      assert.equal(rebuilt.getText('t').toString(), 'alpha beta gamma');
      await assert.rejects(storage.appendUpdate('team', 'missing', new Uint8Array([0, 0])), StorageNotFound);
      await assert.rejects(storage.loadDocument('team', 'missing'), StorageNotFound);
    });

    it('appends several updates at once, numbered in the order given, after and before single ones', async () => {
      await storage.createDocument('team', { name: 'd', kind: 'draft', schemaVersion: 1, created: now });
      await storage.createDocument('team', { name: 'e', kind: 'draft', schemaVersion: 1, created: now });
      const source = new Y.Doc();
      const other = new Y.Doc();
      const first = await storage.appendUpdate('team', 'd', textUpdate(source, 'one '));
      // Made in one turn, as a relay's documents make them: they may share a commit, and keep their order.
      const [many, elsewhere, none] = await Promise.all([
        storage.appendUpdates('team', 'd', [textUpdate(source, 'two '), textUpdate(source, 'three ')]),
        storage.appendUpdates('team', 'e', [textUpdate(other, 'x')]),
        storage.appendUpdates('team', 'd', []),
      ]);
      const last = await storage.appendUpdate('team', 'd', textUpdate(source, 'four'));
      assert.deepEqual(none, []);
      assert.equal(many.length, 2);
      const seqs = [first, ...many, last];
      assert.deepEqual(
        [...seqs].sort((a, b) => a - b),
        seqs,
        'sequence numbers increase in the order given',
      );
      assert.equal(new Set(seqs).size, 4);
      const state = await storage.loadDocument('team', 'd');
      assert.deepEqual(state.updateSeqs, seqs);
      assert.equal(state.lastSeq, last);
      const rebuilt = new Y.Doc();
      state.updates.forEach((u) => Y.applyUpdate(rebuilt, u));
      assert.equal(rebuilt.getText('t').toString(), 'one two three four');
      assert.deepEqual((await storage.loadDocument('team', 'e')).updateSeqs, elsewhere);
    });

    it('numbers single appends in the order they were called, while earlier ones are still in flight', async () => {
      await storage.createDocument('team', { name: 'd', kind: 'draft', schemaVersion: 1, created: now });
      const source = new Y.Doc();
      // A sealed document hands each append to storage as it arrives and forwards them in call order.
      const words = ['a ', 'b ', 'c ', 'd ', 'e'];
      const pending = words.map((word) => storage.appendUpdate('team', 'd', textUpdate(source, word)));
      const seqs = await Promise.all(pending);
      assert.deepEqual(
        [...seqs].sort((a, b) => a - b),
        seqs,
        'sequence numbers increase in call order',
      );
      assert.equal(new Set(seqs).size, words.length);
      assert.deepEqual((await storage.loadDocument('team', 'd')).updateSeqs, seqs);
    });

    it('appends nothing of a batch for a document that does not exist, and the rest of the turn still stores', async () => {
      await storage.createDocument('team', { name: 'd', kind: 'draft', schemaVersion: 1, created: now });
      const source = new Y.Doc();
      const [missing, stored] = await Promise.allSettled([
        storage.appendUpdates('team', 'missing', [textUpdate(source, 'lost '), textUpdate(source, 'twice')]),
        storage.appendUpdates('team', 'd', [textUpdate(source, 'kept')]),
      ]);
      assert.equal(missing.status, 'rejected');
      assert.ok((missing as PromiseRejectedResult).reason instanceof StorageNotFound);
      assert.equal(stored.status, 'fulfilled');
      assert.deepEqual(
        (await storage.loadDocument('team', 'd')).updateSeqs,
        (stored as PromiseFulfilledResult<number[]>).value,
      );
    });

    it('compacts atomically: updates up to the snapshot go, later ones stay', async () => {
      await storage.createDocument('team', { name: 'd', kind: 'draft', schemaVersion: 1, created: now });
      const source = new Y.Doc();
      const first = await storage.appendUpdate('team', 'd', textUpdate(source, 'one '));
      const snapshot = Y.encodeStateAsUpdate(source);
      await storage.appendUpdate('team', 'd', textUpdate(source, 'two'));
      await storage.compactDocument('team', 'd', snapshot, first);
      const state = await storage.loadDocument('team', 'd');
      assert.ok(state.snapshot);
      assert.equal(state.updates.length, 1);
      const rebuilt = new Y.Doc();
      Y.applyUpdate(rebuilt, state.snapshot);
      state.updates.forEach((u) => Y.applyUpdate(rebuilt, u));
      assert.equal(rebuilt.getText('t').toString(), 'one two');
    });

    it('compacts only forward: a snapshot covering less than the stored one changes nothing', async () => {
      // Two relays compacting one document: the one that read less must not replace the newer snapshot
      // (and the updates it folded, which are gone from the log) by its older one.
      await storage.createDocument('team', { name: 'd', kind: 'draft', schemaVersion: 1, created: now });
      const source = new Y.Doc();
      const first = await storage.appendUpdate('team', 'd', textUpdate(source, 'one '));
      const older = Y.encodeStateAsUpdate(source);
      const second = await storage.appendUpdate('team', 'd', textUpdate(source, 'two '));
      assert.equal(await storage.compactDocument('team', 'd', Y.encodeStateAsUpdate(source), second), true);
      const third = await storage.appendUpdate('team', 'd', textUpdate(source, 'three'));
      assert.equal(await storage.compactDocument('team', 'd', older, first), false, 'older snapshot refused');
      assert.equal(await storage.compactDocument('team', 'd', older, second), false, 'same seq refused');
      const state = await storage.loadDocument('team', 'd');
      assert.equal(state.snapshotSeq, second);
      assert.deepEqual(state.updateSeqs, [third]);
      const rebuilt = new Y.Doc();
      Y.applyUpdate(rebuilt, state.snapshot!);
      state.updates.forEach((u) => Y.applyUpdate(rebuilt, u));
      assert.equal(rebuilt.getText('t').toString(), 'one two three');
      await assert.rejects(storage.compactDocument('team', 'missing', older, 9), StorageNotFound);
    });

    it('sets parts aside and replaces the log by a snapshot in one step, keeping the bytes for inspection', async () => {
      await storage.createDocument('team', { name: 'd', kind: 'draft', schemaVersion: 1, created: now });
      const source = new Y.Doc();
      const first = await storage.appendUpdate('team', 'd', textUpdate(source, 'one '));
      const bad = new Uint8Array([1, 1, 0x76, 0, 0, 0, 0]);
      const second = await storage.appendUpdate('team', 'd', bad);
      assert.deepEqual((await storage.loadDocument('team', 'd')).updateSeqs, [first, second]);
      const record = { kind: 'update' as const, seq: second, data: bad, reason: 'a struct of length 0', time: now };
      await storage.repairDocument('team', 'd', [record], Y.encodeStateAsUpdate(source), second);
      const third = await storage.appendUpdate('team', 'd', textUpdate(source, 'two'));
      const state = await storage.loadDocument('team', 'd');
      assert.equal(state.snapshotSeq, second);
      assert.deepEqual(state.updateSeqs, [third]);
      assert.deepEqual(await storage.listSetAside(), [{ ...record, space: 'team', document: 'd' }]);
      await assert.rejects(storage.repairDocument('team', 'missing', [], new Uint8Array([0, 0]), 1), StorageNotFound);
    });

    it('keeps documents apart when their updates interleave and one of them is compacted', async () => {
      for (const name of ['a', 'b']) {
        await storage.createDocument('team', { name, kind: 'draft', schemaVersion: 1, created: now });
      }
      const a = new Y.Doc();
      const b = new Y.Doc();
      let lastA = 0;
      for (let i = 0; i < 5; i++) {
        lastA = await storage.appendUpdate('team', 'a', textUpdate(a, `a${i} `));
        await storage.appendUpdate('team', 'b', textUpdate(b, `b${i} `));
      }
      await storage.compactDocument('team', 'a', Y.encodeStateAsUpdate(a), lastA);
      await storage.appendUpdate('team', 'a', textUpdate(a, 'later'));
      const rebuild = async (name: string): Promise<string> => {
        const state = await storage.loadDocument('team', name);
        const doc = new Y.Doc();
        if (state.snapshot) Y.applyUpdate(doc, state.snapshot);
        state.updates.forEach((u) => Y.applyUpdate(doc, u));
        return doc.getText('t').toString();
      };
      assert.equal(await rebuild('a'), 'a0 a1 a2 a3 a4 later');
      assert.equal((await storage.loadDocument('team', 'a')).updates.length, 1, 'only the update after the snapshot');
      assert.equal(await rebuild('b'), 'b0 b1 b2 b3 b4 ');
      assert.equal((await storage.loadDocument('team', 'b')).updates.length, 5);
    });

    it('numbers audit entries per space and pages through them', async () => {
      for (let i = 0; i < 5; i++) {
        await storage.appendAudit('team', { event: 'joined', actor: LEAD, room: `team/doc${i}` });
      }
      const firstPage = await storage.listAudit('team', 0, 2);
      assert.deepEqual(
        firstPage.map((e) => e.seq),
        [1, 2],
      );
      const rest = await storage.listAudit('team', 2, 100);
      assert.deepEqual(
        rest.map((e) => e.room),
        ['team/doc2', 'team/doc3', 'team/doc4'],
      );
      assert.ok(!Number.isNaN(Date.parse(rest[0]!.time)));
    });

    it('keeps the names written with an audit entry, and none for entries written without', async () => {
      await storage.appendAudit('team', {
        event: 'granted',
        actor: LEAD,
        actorName: 'Ada',
        subject: OTHER,
        subjectName: 'Bo',
        role: 'editor',
      });
      await storage.appendAudit('team', { event: 'joined', actor: OTHER, room: 'team/doc' });
      const [named, unnamed] = await storage.listAudit('team', 0, 10);
      assert.equal(named?.actorName, 'Ada');
      assert.equal(named?.subjectName, 'Bo');
      assert.ok(unnamed && !('actorName' in unnamed) && !('subjectName' in unnamed));
    });

    it('counts refusals of one key and reason in one entry, which takes a new seq as it grows', async () => {
      const first = await storage.recordRefusal('team', refusal(OTHER, 'not a member', 0, 'team/a'), HOUR);
      await storage.appendAudit('team', { event: 'joined', actor: LEAD, room: 'team/doc' });
      await storage.recordRefusal('team', refusal(OTHER, 'not a member', 1), HOUR);
      await storage.recordRefusal('team', refusal(OTHER, 'invalid signature', 2), HOUR);
      const last = await storage.recordRefusal('team', refusal(OTHER, 'not a member', 3, 'team/b'), HOUR);
      assert.equal(first?.count, 1);
      assert.ok(last!.seq > first!.seq + 2, 'seqs never repeat');
      const entries = await storage.listAudit('team', 0, 100);
      assert.deepEqual(
        entries.map((e) => [e.event, e.reason, e.count]),
        [
          ['joined', undefined, undefined],
          ['refused', 'invalid signature', 1],
          ['refused', 'not a member', 3],
        ],
      );
      assert.deepEqual(entries[2], last);
      assert.deepEqual([last?.room, last?.since, last?.time], ['team/b', first!.time, refusal(null, '', 3).time]);
      assert.deepEqual(
        (await storage.listAudit('team', first!.seq, 100)).map((e) => e.seq),
        entries.map((e) => e.seq),
        'a reader past the first seq sees the grown entry again',
      );
    });

    it('keeps at most entriesPerWindow refusal entries per window and counts the rest in one', async () => {
      const keys = Array.from({ length: 10 }, (_, i) => `ed25519:stranger-${i}` as PublicKeyText);
      for (const [i, key] of keys.entries()) await storage.recordRefusal('team', refusal(key, 'not a member', i), HOUR);
      await storage.recordRefusal('team', refusal(keys[0]!, 'not a member', 20), HOUR);
      await storage.recordRefusal('team', refusal(null, 'authenticate first', 21), HOUR);
      const entries = await storage.listAudit('team', 0, 100);
      assert.equal(entries.length, HOUR.entriesPerWindow + 1);
      const overflow = entries.find((e) => e.reason === REFUSAL_OVERFLOW_REASON);
      assert.deepEqual([overflow?.actor, overflow?.count], [null, 8]);
      assert.equal(entries.find((e) => e.actor === keys[0])?.count, 2, 'a counted key keeps its own entry');
      assert.equal(
        entries.reduce((sum, e) => sum + (e.count ?? 0), 0),
        12,
        'every refusal is counted',
      );
    });

    it('starts new refusal entries in the next window', async () => {
      const minute = { windowMs: 60_000, entriesPerWindow: 1 };
      await storage.recordRefusal('team', refusal(OTHER, 'not a member', 10), minute);
      await storage.recordRefusal('team', refusal(LEAD, 'not a member', 20), minute);
      await storage.recordRefusal('team', refusal(OTHER, 'not a member', 70), minute);
      await storage.recordRefusal('team', refusal(LEAD, 'not a member', 80), minute);
      assert.deepEqual(
        (await storage.listAudit('team', 0, 100)).map((e) => [e.actor, e.count, e.since]),
        [
          [OTHER, 1, refusal(null, '', 10).time],
          [null, 1, refusal(null, '', 20).time],
          [OTHER, 1, refusal(null, '', 70).time],
          [null, 1, refusal(null, '', 80).time],
        ],
      );
    });

    it('records no refusal at a space that does not exist', async () => {
      assert.equal(await storage.recordRefusal('nope', refusal(OTHER, 'not a member', 0), HOUR), undefined);
      assert.deepEqual(await storage.listAudit('nope', 0, 100), []);
    });

    it('redeems an invite once, only while open, adding the member atomically', async () => {
      const invite = {
        id: 'inv1',
        tokenHash: 'a'.repeat(64),
        role: 'editor' as const,
        created: now,
        expires: '2026-01-02T00:00:00.000Z',
        createdBy: LEAD,
        usedBy: null,
        usedAt: null,
        revokedAt: null,
      };
      await storage.createInvite('team', invite);
      await assert.rejects(storage.createInvite('team', invite), StorageConflict);
      assert.deepEqual(await storage.findInvite('team', 'a'.repeat(64)), invite);
      const member: MemberRecord = { publicKey: OTHER, name: 'Invitee', role: 'editor', since: now, grantedBy: LEAD };
      assert.equal(await storage.redeemInvite('team', 'inv1', member, '2026-01-03T00:00:00.000Z'), false, 'expired');
      assert.equal(await storage.getMember('team', OTHER), undefined);
      assert.equal(await storage.redeemInvite('team', 'inv1', member, now), true);
      assert.equal(await storage.redeemInvite('team', 'inv1', { ...member, publicKey: LEAD }, now), false, 'used');
      assert.deepEqual(await storage.getMember('team', OTHER), member);
      assert.equal((await storage.listInvites('team'))[0]?.usedBy, OTHER);
      assert.equal(await storage.revokeInvite('team', 'inv1', now), false, 'a used invite cannot be revoked');
      await storage.createInvite('team', { ...invite, id: 'inv2', tokenHash: 'b'.repeat(64) });
      assert.equal(await storage.revokeInvite('team', 'inv2', now), true);
      assert.equal(await storage.redeemInvite('team', 'inv2', member, now), false, 'revoked');
    });

    it('records access requests and resolves each once', async () => {
      const request = {
        id: 'req1',
        publicKey: OTHER,
        name: 'Asker',
        message: 'may I?',
        created: now,
        status: 'pending' as const,
        resolvedBy: null,
        resolvedAt: null,
      };
      await storage.createAccessRequest('team', request);
      assert.deepEqual(await storage.getAccessRequest('team', 'req1'), request);
      assert.equal(await storage.denyAccessRequest('team', 'req1', LEAD, now), true);
      assert.equal(await storage.denyAccessRequest('team', 'req1', LEAD, now), false);
      assert.equal(await storage.approveAccessRequest('team', 'req1', editor, LEAD, now), false);
      assert.deepEqual(await storage.getAccessRequest('team', 'req1'), {
        ...request,
        status: 'denied',
        resolvedBy: LEAD,
        resolvedAt: now,
      });
      assert.equal(await storage.getMember('team', OTHER), undefined, 'a denied request grants nothing');
      assert.equal(await storage.denyAccessRequest('team', 'nope', LEAD, now), false);
    });

    it('approves a request together with its grant, once, and only for its requester', async () => {
      await storage.createAccessRequest('team', pendingRequest);
      const later = '2026-01-01T01:00:00.000Z';
      await assert.rejects(
        storage.approveAccessRequest('team', 'req1', { ...editor, publicKey: STRANGER }, LEAD, later),
        StorageConflict,
      );
      assert.equal(await storage.getMember('team', STRANGER), undefined, 'the refused approval granted nobody');
      assert.equal((await storage.getAccessRequest('team', 'req1'))?.status, 'pending');
      assert.equal(await storage.approveAccessRequest('team', 'req1', editor, LEAD, later), true);
      assert.deepEqual(await storage.getMember('team', OTHER), editor);
      assert.deepEqual(await storage.getAccessRequest('team', 'req1'), {
        ...pendingRequest,
        status: 'approved',
        resolvedBy: LEAD,
        resolvedAt: later,
      });
      const viewer = { ...editor, role: 'viewer' as const };
      assert.equal(await storage.approveAccessRequest('team', 'req1', viewer, LEAD, later), false);
      assert.equal(await storage.denyAccessRequest('team', 'req1', LEAD, later), false);
      assert.deepEqual(await storage.getMember('team', OTHER), editor, 'a second approval changed nothing');
      assert.equal(await storage.approveAccessRequest('nope', 'req1', editor, LEAD, later), false);
    });

    it('refuses an approval that would take the lead role from the only lead, changing nothing', async () => {
      await storage.createAccessRequest('team', { ...pendingRequest, publicKey: LEAD });
      await assert.rejects(
        storage.approveAccessRequest('team', 'req1', { ...lead, role: 'viewer' }, LEAD, now),
        LastLeadError,
      );
      assert.deepEqual(await storage.getMember('team', LEAD), lead);
      assert.equal((await storage.getAccessRequest('team', 'req1'))?.status, 'pending');
    });

    it('refuses to demote or remove the only lead, changing nothing; with a second lead it may', async () => {
      await assert.rejects(storage.putMember('team', { ...lead, role: 'editor', name: 'Renamed' }), LastLeadError);
      await assert.rejects(storage.removeMember('team', LEAD), LastLeadError);
      assert.deepEqual(await storage.getMember('team', LEAD), lead);
      await storage.putMember('team', { ...lead, name: 'Still lead' });
      assert.equal((await storage.getMember('team', LEAD))?.name, 'Still lead', 'a lead may be put as lead');
      await storage.putMember('team', { ...editor, role: 'lead' });
      await storage.putMember('team', { ...lead, role: 'viewer' });
      assert.equal((await storage.getMember('team', LEAD))?.role, 'viewer');
      await assert.rejects(storage.removeMember('team', OTHER), LastLeadError);
      assert.equal(await storage.removeMember('team', LEAD), true);
      await assert.rejects(storage.putMember('nope', editor), StorageNotFound);
    });

    it('refuses an invite that would take the lead role from the only lead, leaving the invite open', async () => {
      await storage.createInvite('team', { ...openInvite, role: 'viewer' });
      await assert.rejects(storage.redeemInvite('team', 'inv1', { ...lead, role: 'viewer' }, now), LastLeadError);
      assert.deepEqual(await storage.getMember('team', LEAD), lead);
      assert.equal((await storage.listInvites('team'))[0]?.usedBy, null);
    });

    it('renames a member without touching the rest of the record, and never brings a non-member back', async () => {
      await storage.putMember('team', editor);
      assert.equal(await storage.renameMember('team', OTHER, 'Edith'), true);
      assert.deepEqual(await storage.getMember('team', OTHER), { ...editor, name: 'Edith' });
      await storage.removeMember('team', OTHER);
      assert.equal(await storage.renameMember('team', OTHER, 'Back?'), false);
      assert.equal(await storage.getMember('team', OTHER), undefined);
      assert.equal(await storage.renameMember('nope', LEAD, 'x'), false);
    });

    it('refuses an audit entry for a space that does not exist', async () => {
      await assert.rejects(storage.appendAudit('nope', { event: 'joined', actor: LEAD }), StorageNotFound);
    });

    describe('under concurrency (two relays on the same data)', () => {
      let other: Storage;
      const opened: Storage[] = [];
      beforeEach(async () => {
        other = target.second ? await target.second() : storage;
        if (other !== storage) opened.push(other);
      });
      afterEach(async () => {
        await Promise.all(opened.splice(0).map((s) => s.close()));
      });

      /** Runs `a` on this relay's storage and `b` on the other's at the same moment. */
      const race = <A, B>(
        a: (s: Storage) => Promise<A>,
        b: (s: Storage) => Promise<B>,
      ): Promise<[PromiseSettledResult<A>, PromiseSettledResult<B>]> => Promise.allSettled([a(storage), b(other)]);

      it('of two membership statements for the same place, exactly one is kept', async () => {
        await createVault(storage);
        for (let seq = 1; seq <= ROUNDS; seq++) {
          const results = await race(
            (s) => s.appendChainStatement('vault', seq, `a${seq}`),
            (s) => s.appendChainStatement('vault', seq, `b${seq}`),
          );
          const kept = results.filter((r) => r.status === 'fulfilled').length;
          assert.equal(kept, 1, `place ${seq}: one append wins`);
          for (const r of results) if (r.status === 'rejected') assert.ok(r.reason instanceof StorageConflict);
        }
        assert.equal((await storage.listChainStatements('vault')).length, ROUNDS);
      });

      it('of two leads demoted at once, exactly one steps down (rounds of role changes and of removals)', async () => {
        for (let round = 0; round < ROUNDS; round++) {
          await storage.putMember('team', lead);
          await storage.putMember('team', { ...editor, role: 'lead' });
          const removing = round % 2 === 1;
          const results = await race(
            async (s) => {
              if (removing) await s.removeMember('team', LEAD);
              else await s.putMember('team', { ...lead, role: 'editor' });
            },
            async (s) => {
              if (removing) await s.removeMember('team', OTHER);
              else await s.putMember('team', { ...editor, role: 'viewer' });
            },
          );
          const refused = results.filter((r) => r.status === 'rejected');
          assert.equal(refused.length, 1, `round ${round}: exactly one of the two refused`);
          assert.ok((refused[0] as PromiseRejectedResult).reason instanceof LastLeadError);
          const leads = (await storage.listMembers('team')).filter((m) => m.role === 'lead');
          assert.equal(leads.length, 1, `round ${round}: the space kept one lead`);
          if (removing) await storage.putMember('team', { ...editor, role: 'lead' });
        }
      });

      it('approves one request once when two leads approve it at once', async () => {
        for (let round = 0; round < ROUNDS; round++) {
          const id = `req${round}`;
          const asker = `ed25519:asker-${round}` as PublicKeyText;
          await storage.createAccessRequest('team', { ...pendingRequest, id, publicKey: asker });
          const asEditor = { ...editor, publicKey: asker };
          const asViewer = { ...asEditor, role: 'viewer' as const };
          const results = await race(
            (s) => s.approveAccessRequest('team', id, asEditor, LEAD, now),
            (s) => s.approveAccessRequest('team', id, asViewer, OTHER, now),
          );
          const won = results.map((r) => r.status === 'fulfilled' && r.value === true);
          assert.deepEqual(won.filter(Boolean).length, 1, `round ${round}: exactly one approval`);
          const winner = won[0] ? asEditor : asViewer;
          assert.deepEqual(await storage.getMember('team', asker), winner, "the winner's grant, not the loser's");
          assert.equal((await storage.getAccessRequest('team', id))?.resolvedBy, won[0] ? LEAD : OTHER);
        }
      });

      it('numbers updates both relays append to the same documents at once, each batch in its order', async () => {
        for (const name of ['a', 'b', 'c']) {
          await storage.createDocument('team', { name, kind: 'draft', schemaVersion: 1, created: now });
        }
        const source = new Y.Doc();
        const update = (): Uint8Array => textUpdate(source, 'x');
        // Each relay's turns touch the documents in a different order: a writer that locked them in the order
        // met would deadlock against the other.
        const turns = Array.from({ length: 20 }, (_, i) => {
          const s = i % 2 === 0 ? storage : other;
          const order = i % 2 === 0 ? ['a', 'b', 'c'] : ['c', 'b', 'a'];
          return Promise.all(order.map((name) => s.appendUpdates('team', name, [update(), update(), update()])));
        });
        const batches = (await Promise.all(turns)).flat();
        for (const seqs of batches)
          assert.deepEqual(
            [...seqs].sort((x, y) => x - y),
            seqs,
            'a batch keeps its order',
          );
        for (const name of ['a', 'b', 'c']) {
          const stored = (await storage.loadDocument('team', name)).updateSeqs;
          assert.equal(stored.length, 60, `every update of ${name} kept`);
          assert.equal(new Set(stored).size, 60, `no seq of ${name} given twice`);
        }
      });

      it('numbers concurrent audit appends from both relays without a repeated or missing seq', async () => {
        const appends = Array.from({ length: 40 }, (_, i) =>
          (i % 2 === 0 ? storage : other).appendAudit('team', { event: 'joined', actor: LEAD, room: `team/${i}` }),
        );
        const refusals = Array.from({ length: 10 }, (_, i) =>
          (i % 2 === 0 ? other : storage).recordRefusal('team', refusal(STRANGER, 'not a member', i), HOUR),
        );
        const entries = await Promise.all(appends);
        await Promise.all(refusals);
        const seqs = entries.map((e) => e.seq).sort((a, b) => a - b);
        assert.equal(new Set(seqs).size, 40, 'no seq given twice');
        const stored = await storage.listAudit('team', 0, 1000);
        assert.equal(stored.length, 41, 'every entry kept, the refusals counted in one');
        assert.equal(stored.find((e) => e.event === 'refused')?.count, 10, 'every refusal counted');
        const all = stored.map((e) => e.seq);
        assert.deepEqual(
          all,
          [...all].sort((a, b) => a - b),
          'listed in seq order',
        );
        assert.equal(new Set(all).size, all.length, 'no seq repeated in the log');
        // The refusal entry takes a new seq each time it grows, so the log's seqs are 1..50 less the 9 it left.
        assert.ok(all.every((seq) => seq >= 1 && seq <= 50));
        for (const seq of seqs) assert.ok(all.includes(seq), `entry ${seq} is in the log`);
      });

      it('lets exactly one of two concurrent redemptions of an invite in', async () => {
        for (let round = 0; round < ROUNDS; round++) {
          const id = `inv${round}`;
          await storage.createInvite('team', { ...openInvite, id, tokenHash: String(round).padStart(64, '0') });
          const first = { ...editor, publicKey: `ed25519:first-${round}` as PublicKeyText };
          const second = { ...editor, publicKey: `ed25519:second-${round}` as PublicKeyText };
          const results = await race(
            (s) => s.redeemInvite('team', id, first, now),
            (s) => s.redeemInvite('team', id, second, now),
          );
          const won = results.map((r) => r.status === 'fulfilled' && r.value === true);
          assert.equal(won.filter(Boolean).length, 1, `round ${round}: exactly one redemption`);
          const members = [
            await storage.getMember('team', first.publicKey),
            await storage.getMember('team', second.publicKey),
          ];
          assert.deepEqual(
            members.map((m) => m !== undefined),
            won,
            'only the winner is a member',
          );
          assert.equal(
            (await storage.listInvites('team')).find((i) => i.id === id)?.usedBy,
            won[0] ? first.publicKey : second.publicKey,
          );
        }
      });
    });

    it('versions agreements and keeps who signed which version', async () => {
      assert.equal(await storage.getAgreement('team'), undefined);
      await storage.addAgreement('team', { version: 1, hash: 'h1', text: 'v1', setBy: LEAD, set: now });
      await storage.addAgreement('team', { version: 2, hash: 'h2', text: 'v2', setBy: LEAD, set: now });
      await assert.rejects(
        storage.addAgreement('team', { version: 2, hash: 'x', text: 'x', setBy: LEAD, set: now }),
        StorageConflict,
      );
      assert.equal((await storage.getAgreement('team'))?.text, 'v2');
      await storage.addAgreementSignature('team', {
        version: 1,
        hash: 'h1',
        publicKey: OTHER,
        signature: 's1',
        signed: now,
      });
      assert.equal(await storage.getAgreementSignature('team', 2, OTHER), undefined);
      assert.equal((await storage.getAgreementSignature('team', 1, OTHER))?.signature, 's1');
      assert.equal((await storage.listAgreementSignatures('team')).length, 1);
    });

    it('records a sealed space as sealed, and leaves the flag out of plain spaces', async () => {
      await createVault(storage);
      await storage.createSpace({ name: 'open', created: now, createdBy: LEAD, sealed: false }, lead);
      const vault = { name: 'vault', created: now, createdBy: LEAD, sealed: true };
      assert.deepEqual(await storage.getSpace('vault'), vault);
      assert.deepEqual(await storage.getSpace('open'), { name: 'open', created: now, createdBy: LEAD });
      assert.deepEqual(
        (await storage.listSpaces()).map((s) => [s.name, s.sealed]),
        [
          ['open', undefined],
          ['team', undefined],
          ['vault', true],
        ],
      );
      assert.equal('sealed' in (await storage.getSpace('team'))!, false);
    });

    it('keeps a membership chain in order, each statement only at the place after the last', async () => {
      await createVault(storage);
      assert.deepEqual(await storage.listChainStatements('vault'), []);
      await assert.rejects(storage.appendChainStatement('vault', 2, 'early'), StorageConflict);
      await storage.appendChainStatement('vault', 1, '{"seq":1}');
      await storage.appendChainStatement('vault', 2, '{"seq":2}');
      await assert.rejects(storage.appendChainStatement('vault', 2, 'again'), StorageConflict);
      await assert.rejects(storage.appendChainStatement('vault', 1, 'rewrite'), StorageConflict);
      await assert.rejects(storage.appendChainStatement('nowhere', 1, 'x'), StorageNotFound);
      assert.deepEqual(await storage.listChainStatements('vault'), ['{"seq":1}', '{"seq":2}']);
      assert.deepEqual(await storage.listChainStatements('team'), []);
    });

    it('starts epochs one after another and keeps their keys, oldest first', async () => {
      await createVault(storage);
      assert.equal(await storage.currentEpoch('vault'), 0);
      const first = [wrappedKey(1, LEAD), wrappedKey(1, OTHER)];
      await storage.rotateEpoch('vault', { epoch: 1, by: LEAD, created: now, keys: first });
      await assert.rejects(
        storage.rotateEpoch('vault', { epoch: 1, by: LEAD, created: now, keys: [] }),
        StorageConflict,
      );
      await assert.rejects(
        storage.rotateEpoch('vault', { epoch: 3, by: LEAD, created: now, keys: [] }),
        StorageConflict,
      );
      await storage.rotateEpoch('vault', { epoch: 2, by: LEAD, created: now, keys: [wrappedKey(2, OTHER)] });
      assert.equal(await storage.currentEpoch('vault'), 2);
      assert.deepEqual(await storage.listWrappedKeys('vault', OTHER), [first[1], wrappedKey(2, OTHER)]);
      assert.deepEqual(await storage.listWrappedKeys('vault', LEAD), [first[0]]);
      assert.deepEqual(await storage.listWrappedKeys('vault', STRANGER), []);
      assert.equal(await storage.currentEpoch('team'), 0, 'epochs are per space');
      assert.equal(await storage.currentEpoch('nope'), 0);
      await assert.rejects(
        storage.rotateEpoch('nope', { epoch: 1, by: LEAD, created: now, keys: [] }),
        StorageNotFound,
      );
    });

    it('lets exactly one of two concurrent rotations to the same epoch win', async () => {
      await createVault(storage);
      const rotations = [7, 9].map((fill) => ({
        epoch: 1,
        by: LEAD,
        created: now,
        keys: [wrappedKey(1, OTHER, fill)],
      }));
      const results = await Promise.allSettled(rotations.map((r) => storage.rotateEpoch('vault', r)));
      const won = results.findIndex((r) => r.status === 'fulfilled');
      const lost = results.filter((r) => r.status === 'rejected');
      assert.equal(lost.length, 1, 'one rotation lost');
      assert.ok((lost[0] as PromiseRejectedResult).reason instanceof StorageConflict);
      assert.equal(await storage.currentEpoch('vault'), 1);
      assert.deepEqual(await storage.listWrappedKeys('vault', OTHER), rotations[won]!.keys, "only the winner's key");
    });

    it('refuses a rotation carrying a key for a stranger, the revoked member or another epoch, storing nothing', async () => {
      await createVault(storage);
      const refused = [
        { epoch: 1, by: LEAD, created: now, keys: [wrappedKey(1, LEAD), wrappedKey(1, STRANGER)] },
        { epoch: 1, by: LEAD, created: now, keys: [wrappedKey(1, LEAD), wrappedKey(1, OTHER)], revoke: OTHER },
        { epoch: 1, by: LEAD, created: now, keys: [wrappedKey(1, LEAD), wrappedKey(2, OTHER)] },
      ];
      for (const rotation of refused) await assert.rejects(storage.rotateEpoch('vault', rotation), StorageConflict);
      assert.equal(await storage.currentEpoch('vault'), 0);
      assert.deepEqual(await storage.listWrappedKeys('vault', LEAD), []);
      assert.deepEqual(await storage.listWrappedKeys('vault', STRANGER), []);
      assert.deepEqual(await storage.getMember('vault', OTHER), editor, 'the refused revoke removed no one');
    });

    it('removes a member revoked by rotation, with every key ever wrapped to them', async () => {
      await createVault(storage);
      await storage.rotateEpoch('vault', {
        epoch: 1,
        by: LEAD,
        created: now,
        keys: [wrappedKey(1, LEAD), wrappedKey(1, OTHER)],
      });
      await storage.rotateEpoch('vault', {
        epoch: 2,
        by: LEAD,
        created: now,
        keys: [wrappedKey(2, LEAD)],
        revoke: OTHER,
      });
      assert.equal(await storage.getMember('vault', OTHER), undefined);
      assert.deepEqual(await storage.listWrappedKeys('vault', OTHER), []);
      assert.deepEqual(
        (await storage.listWrappedKeys('vault', LEAD)).map((k) => k.epoch),
        [1, 2],
      );
      // Granted again, they hold nothing until a lead wraps the keys anew.
      await storage.putMember('vault', editor);
      assert.deepEqual(await storage.listWrappedKeys('vault', OTHER), []);
    });

    it('refuses to revoke the last lead by rotation and changes nothing; a second lead may be revoked', async () => {
      await createVault(storage);
      await storage.rotateEpoch('vault', {
        epoch: 1,
        by: LEAD,
        created: now,
        keys: [wrappedKey(1, LEAD), wrappedKey(1, OTHER)],
      });
      const revokeLead = { epoch: 2, by: LEAD, created: now, keys: [wrappedKey(2, OTHER)], revoke: LEAD };
      await assert.rejects(storage.rotateEpoch('vault', revokeLead), LastLeadError);
      assert.equal(await storage.currentEpoch('vault'), 1);
      assert.deepEqual(await storage.getMember('vault', LEAD), lead);
      assert.deepEqual(await storage.listWrappedKeys('vault', LEAD), [wrappedKey(1, LEAD)]);
      assert.deepEqual(await storage.listWrappedKeys('vault', OTHER), [wrappedKey(1, OTHER)]);
      await storage.putMember('vault', { ...editor, role: 'lead' });
      await storage.rotateEpoch('vault', revokeLead);
      assert.equal(await storage.getMember('vault', LEAD), undefined);
      assert.deepEqual(await storage.listWrappedKeys('vault', LEAD), []);
    });

    it('stores keys for members and existing epochs, replacing older copies, and refuses the rest whole', async () => {
      await createVault(storage);
      await storage.rotateEpoch('vault', { epoch: 1, by: LEAD, created: now, keys: [wrappedKey(1, LEAD)] });
      await storage.putWrappedKeys('vault', [wrappedKey(1, OTHER, 5)]);
      await storage.putWrappedKeys('vault', [wrappedKey(1, OTHER, 6)]);
      assert.deepEqual(await storage.listWrappedKeys('vault', OTHER), [wrappedKey(1, OTHER, 6)]);
      const refused = [
        [wrappedKey(1, OTHER, 8), wrappedKey(1, STRANGER)],
        [wrappedKey(1, OTHER, 8), wrappedKey(2, OTHER)],
        [wrappedKey(0, OTHER)],
        [wrappedKey(1.5, OTHER)],
      ];
      for (const keys of refused) await assert.rejects(storage.putWrappedKeys('vault', keys), StorageConflict);
      assert.deepEqual(await storage.listWrappedKeys('vault', OTHER), [wrappedKey(1, OTHER, 6)], 'nothing replaced');
      assert.deepEqual(await storage.listWrappedKeys('vault', STRANGER), []);
      await assert.rejects(storage.putWrappedKeys('nope', [wrappedKey(1, OTHER)]), StorageNotFound);
    });

    it("lists the keys a lead's client must wrap: every member's missing epochs, after a grant too", async () => {
      await createVault(storage);
      assert.deepEqual(await storage.listMissingKeys('vault'), [], 'no epoch yet');
      await storage.rotateEpoch('vault', {
        epoch: 1,
        by: LEAD,
        created: now,
        keys: [wrappedKey(1, LEAD), wrappedKey(1, OTHER)],
      });
      await storage.rotateEpoch('vault', { epoch: 2, by: LEAD, created: now, keys: [wrappedKey(2, LEAD)] });
      await storage.putMember('vault', { ...editor, publicKey: STRANGER, name: 'New' });
      assert.deepEqual(await storage.listMissingKeys('vault'), [
        { publicKey: STRANGER, epoch: 1 },
        { publicKey: OTHER, epoch: 2 },
        { publicKey: STRANGER, epoch: 2 },
      ]);
      await storage.putWrappedKeys('vault', [wrappedKey(1, STRANGER), wrappedKey(2, STRANGER)]);
      assert.deepEqual(await storage.listMissingKeys('vault'), [{ publicKey: OTHER, epoch: 2 }]);
      await storage.removeMember('vault', OTHER);
      assert.deepEqual(await storage.listMissingKeys('vault'), [], 'former members need nothing');
      assert.deepEqual(await storage.listMissingKeys('nope'), []);
    });

    it('takes away the keys of a member removed without rotation', async () => {
      await createVault(storage);
      await storage.rotateEpoch('vault', {
        epoch: 1,
        by: LEAD,
        created: now,
        keys: [wrappedKey(1, LEAD), wrappedKey(1, OTHER)],
      });
      assert.equal(await storage.removeMember('vault', OTHER), true);
      await storage.putMember('vault', editor);
      assert.deepEqual(await storage.listWrappedKeys('vault', OTHER), []);
      assert.deepEqual(await storage.listMissingKeys('vault'), [{ publicKey: OTHER, epoch: 1 }]);
      assert.deepEqual(await storage.listWrappedKeys('vault', LEAD), [wrappedKey(1, LEAD)], "others' keys stay");
    });

    const reopenTarget = target.reopen;
    describeDirectoryConformance(
      () => storage,
      reopenTarget &&
        (async () => {
          await storage.close();
          storage = await reopenTarget();
          return storage;
        }),
    );

    if (target.reopen) {
      const reopen = target.reopen;
      it('keeps everything across close and reopen', async () => {
        await storage.createDocument('team', { name: 'd', kind: 'draft', schemaVersion: 1, created: now });
        const source = new Y.Doc();
        await storage.appendUpdate('team', 'd', textUpdate(source, 'kept'));
        await storage.appendAudit('team', { event: 'granted', actor: LEAD, subject: OTHER, role: 'viewer' });
        await storage.close();
        storage = await reopen();
        const rebuilt = new Y.Doc();
        (await storage.loadDocument('team', 'd')).updates.forEach((u) => Y.applyUpdate(rebuilt, u));
        assert.equal(rebuilt.getText('t').toString(), 'kept');
        assert.equal((await storage.listAudit('team', 0, 10))[0]?.subject, OTHER);
        assert.deepEqual(await storage.getMember('team', LEAD), lead);
      });

      it('keeps sealed spaces, their epochs and wrapped keys across close and reopen', async () => {
        await createVault(storage);
        await storage.rotateEpoch('vault', { epoch: 1, by: LEAD, created: now, keys: [wrappedKey(1, LEAD)] });
        await storage.close();
        storage = await reopen();
        assert.equal((await storage.getSpace('vault'))?.sealed, true);
        assert.equal(await storage.currentEpoch('vault'), 1);
        assert.deepEqual(await storage.listWrappedKeys('vault', LEAD), [wrappedKey(1, LEAD)]);
        assert.deepEqual(await storage.listMissingKeys('vault'), [{ publicKey: OTHER, epoch: 1 }]);
        await assert.rejects(
          storage.rotateEpoch('vault', { epoch: 1, by: LEAD, created: now, keys: [] }),
          StorageConflict,
        );
      });

      it('keeps a membership chain across close and reopen', async () => {
        await createVault(storage);
        await storage.appendChainStatement('vault', 1, 'first');
        await storage.close();
        storage = await reopen();
        assert.deepEqual(await storage.listChainStatements('vault'), ['first']);
        await assert.rejects(storage.appendChainStatement('vault', 1, 'again'), StorageConflict);
      });

      it('goes on counting a refusal entry after a reopen', async () => {
        await storage.recordRefusal('team', refusal(OTHER, 'not a member', 0), HOUR);
        await storage.close();
        storage = await reopen();
        await storage.recordRefusal('team', refusal(OTHER, 'not a member', 1), HOUR);
        const entries = await storage.listAudit('team', 0, 10);
        assert.deepEqual(
          entries.map((e) => [e.seq, e.count, e.since]),
          [[2, 2, now]],
        );
      });

      it('numbers updates after a reopen above every snapshot, so a snapshot never hides a later update', async () => {
        await storage.createDocument('team', { name: 'd', kind: 'draft', schemaVersion: 1, created: now });
        const source = new Y.Doc();
        const seq = await storage.appendUpdate('team', 'd', textUpdate(source, 'one '));
        await storage.compactDocument('team', 'd', Y.encodeStateAsUpdate(source), seq);
        await storage.close();
        storage = await reopen();
        const next = await storage.appendUpdate('team', 'd', textUpdate(source, 'two'));
        assert.ok(next > seq, `sequence ${next} follows ${seq}`);
        const state = await storage.loadDocument('team', 'd');
        const rebuilt = new Y.Doc();
        Y.applyUpdate(rebuilt, state.snapshot!);
        state.updates.forEach((u) => Y.applyUpdate(rebuilt, u));
        assert.equal(rebuilt.getText('t').toString(), 'one two');
        assert.equal(state.lastSeq, next);
      });
    }
  });
}
