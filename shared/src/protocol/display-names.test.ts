import assert from 'node:assert/strict';
import type { AuditEntry } from './access.js';
import { auditDetail, auditPerson, latestAuditEntries } from '../client/audit-view.js';
import { cleanDisplayName, isUnnamed, MAX_DISPLAY_NAME, personLabel, unnamedMember } from './display-names.js';

const KEY = `ed25519:${'A'.repeat(43)}` as const;
const FP = 'ab12-cd34-ef56-7890';

describe('display names', () => {
  it('cleans a chosen name to one trimmed line of at most MAX_DISPLAY_NAME', () => {
    assert.equal(cleanDisplayName('  Ada \n\t Lovelace\u0000 '), 'Ada Lovelace');
    assert.equal(cleanDisplayName('x'.repeat(500))?.length, MAX_DISPLAY_NAME);
    assert.equal(cleanDisplayName(' \u2028\u0007 '), undefined);
    assert.equal(cleanDisplayName(undefined), undefined);
  });

  it('shows a name with a short fingerprint, and only the fingerprint for the unnamed', () => {
    assert.equal(personLabel('Bo', FP), 'Bo (ab12-cd34)');
    assert.equal(personLabel(unnamedMember(FP), FP), 'key ab12-cd34');
    assert.ok(isUnnamed(unnamedMember(FP), FP) && isUnnamed(' ', FP) && !isUnnamed('Bo', FP));
  });

  it('shows audit entries with names, counts and since, and each counted entry once', () => {
    const refused: AuditEntry = {
      seq: 4,
      time: '2026-01-01T10:05:00.000Z',
      event: 'refused',
      actor: KEY,
      actorFingerprint: FP,
      room: 'lab',
      reason: 'not a member',
      count: 3,
      since: '2026-01-01T10:00:00.000Z',
    };
    assert.equal(auditPerson(refused, 'actor'), 'key ab12-cd34');
    assert.equal(auditDetail(refused), '3 times since 2026-01-01T10:00:00.000Z; last room lab; not a member');
    const granted: AuditEntry = {
      seq: 2,
      time: '2026-01-01T09:00:00.000Z',
      event: 'granted',
      actor: KEY,
      actorName: 'Ada',
      actorFingerprint: FP,
      subject: KEY,
      role: 'editor',
    };
    assert.equal(auditPerson(granted, 'actor'), 'Ada (ab12-cd34)');
    assert.equal(auditPerson(granted, 'subject', new Map([[KEY, 'Bo']])), 'Bo (AAAAAAAAAA…)', 'no fingerprint sent');
    const older = { ...refused, seq: 3, count: 2 };
    assert.deepEqual(
      latestAuditEntries([granted, older, refused]).map((e) => e.seq),
      [2, 4],
    );
  });
});
