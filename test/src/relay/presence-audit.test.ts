/**
 * 'joined' and 'left' in the audit log, against a real relay and real sockets: a document channel held
 * past the relay's threshold gets both (joined timed at admission); a shorter one gets one 'joined' entry
 * saying how long it stayed; space channels get none. What a stranger claims as a name is never recorded.
 */
import assert from 'node:assert/strict';
import { type AuditEntry, type EnclaveConnection, generateIdentity, type Identity } from '@enclave/shared';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type Logger, SqliteStorage } from '@enclave/relay';
import { connect, createSpace, openDocument, type RelayFixture, startRelay } from '../support/relay-fixture.js';
import { waitFor } from '../support/wait.js';

async function auditOf(lead: EnclaveConnection): Promise<readonly AuditEntry[]> {
  return (await lead.request({ op: 'audit.list' })).entries;
}

describe('presence in the audit log (real relay)', function () {
  this.timeout(30_000);
  let fixture: RelayFixture;
  let lead: EnclaveConnection;
  let bo: Identity;

  afterEach(async () => {
    lead?.destroy();
    await fixture?.close();
  });

  async function start(presenceAuditAfterMs: number): Promise<void> {
    fixture = await startRelay({ limits: { presenceAuditAfterMs } });
    bo = await generateIdentity('Bo');
    await createSpace(fixture.url, fixture.admin, 'lab', [{ identity: bo, role: 'editor' }]);
    lead = connect(fixture.url, fixture.admin, { space: 'lab' });
    await lead.whenWelcomed();
  }

  it('writes joined and left for a document channel held past the threshold', async () => {
    await start(300);
    const admitted = Date.now();
    const open = await openDocument(fixture.url, bo, { space: 'lab', document: 'notes.md' }, { create: 'draft' });
    await waitFor(async () => (await auditOf(lead)).some((e) => e.event === 'joined'), 'joined after 300 ms');
    const joined = (await auditOf(lead)).find((e) => e.event === 'joined')!;
    assert.equal(joined.actorName, 'Bo');
    assert.equal(joined.room, 'lab/notes.md');
    assert.equal(joined.reason, undefined);
    assert.ok(Math.abs(Date.parse(joined.time) - admitted) < 1000, 'timed at admission');
    open.close();
    await waitFor(async () => (await auditOf(lead)).some((e) => e.event === 'left'), 'left after close');
    const left = (await auditOf(lead)).find((e) => e.event === 'left')!;
    assert.equal(left.actorName, 'Bo');
    assert.match(left.reason ?? '', /^closed with 1000 after \d+ s$/);
  });

  it('writes one joined entry for a short document channel, and nothing for space channels', async () => {
    await start(60_000);
    const space = connect(fixture.url, bo, { space: 'lab' });
    await space.whenWelcomed();
    const open = await openDocument(fixture.url, bo, { space: 'lab', document: 'notes.md' }, { create: 'draft' });
    open.close();
    space.destroy();
    await waitFor(async () => (await auditOf(lead)).some((e) => e.event === 'joined'), 'the joined entry');
    const presence = (await auditOf(lead)).filter((e) => e.event === 'joined' || e.event === 'left');
    assert.equal(presence.length, 1, JSON.stringify(presence));
    assert.equal(presence[0]!.room, 'lab/notes.md');
    assert.match(presence[0]!.reason ?? '', /^briefly: closed with 1000 after \d+ s$/);
  });

  it("never records a stranger's claimed name", async () => {
    await start(60_000);
    const stranger = await generateIdentity('Ada the Lead');
    const refused = connect(fixture.url, stranger, { space: 'lab' });
    await assert.rejects(refused.whenWelcomed());
    await waitFor(async () => (await auditOf(lead)).some((e) => e.event === 'refused'), 'the refusal');
    const entry = (await auditOf(lead)).find((e) => e.event === 'refused')!;
    assert.equal(entry.actor, stranger.publicKey);
    assert.equal(entry.actorName, undefined);
    assert.ok(entry.actorFingerprint, 'shown by fingerprint');
    const { members } = await lead.request({ op: 'members.list' });
    assert.ok(!members.some((m) => m.name === 'Ada the Lead'));
  });

  it('a stopping relay writes the entries of the channels it closes before it returns (its owner then closes storage)', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'enclave-audit-')), 'relay.db');
    const sqlite = new SqliteStorage(file);
    // Audit writes that take a while, as on a networked database: an owner closing the storage as soon as
    // the relay's close() returns must not cut them off.
    const slow = new Proxy(sqlite, {
      get(target, property) {
        if (property === 'appendAudit') {
          return async (...args: Parameters<SqliteStorage['appendAudit']>) => {
            await new Promise((resolve) => setTimeout(resolve, 300));
            return target.appendAudit(...args);
          };
        }
        const value: unknown = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const logged: string[] = [];
    const logger: Logger = { log: (level, message) => logged.push(`${level} ${message}`) };
    fixture = await startRelay({ logger, storage: slow });
    bo = await generateIdentity('Bo');
    await createSpace(fixture.url, fixture.admin, 'lab', [{ identity: bo, role: 'editor' }]);
    const open = await openDocument(fixture.url, bo, { space: 'lab', document: 'notes.md' }, { create: 'draft' });
    try {
      // The relay closes Bo's channel itself; its 'joined' entry is written as the relay stops.
      await fixture.relay.close();
    } finally {
      open.close();
    }
    await sqlite.close();
    assert.deepEqual(
      logged.filter((line) => line.includes('audit write failed')),
      [],
    );
    const reopened = new SqliteStorage(file);
    try {
      const entries = (await reopened.listAudit('lab', 0, 100)).filter(
        (e) => e.actor === bo.publicKey && e.event === 'joined',
      );
      assert.equal(entries.length, 1, JSON.stringify(entries));
      assert.equal(entries[0]!.room, 'lab/notes.md');
    } finally {
      await reopened.close();
      rmSync(dirname(file), { recursive: true, force: true });
    }
  });
});
