import assert from 'node:assert/strict';
import { type AuditEntry, parseLink } from '@enclave/shared';
import { auditJsonLines, auditTable, expirySeconds, inviteLinks } from '../../src/governance/format.js';

const KEY = 'ed25519:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
const entries: AuditEntry[] = [
  { seq: 1, time: '2026-01-01T00:00:00.000Z', event: 'space-created', actor: KEY, room: 'lab' },
  {
    seq: 2,
    time: '2026-01-01T00:01:00.000Z',
    event: 'refused',
    actor: null,
    room: 'lab/a.ipynb',
    reason: 'not a member',
  },
];

describe('governance text', () => {
  it('makes invite links that parse back to the same invite under both schemes', () => {
    const links = inviteLinks('ws://localhost:1234', 'lab', 'tok-en_1', 'vscode', 'enclave.enclave-vscode');
    assert.match(links.enclave, /^enclave:\/\/join\?/);
    assert.match(links.vscode, /^vscode:\/\/enclave\.enclave-vscode\/join\?/);
    const expected = { kind: 'join', relay: 'ws://localhost:1234', space: 'lab', token: 'tok-en_1' };
    assert.deepEqual(parseLink(links.enclave), expected);
    assert.deepEqual(parseLink(links.vscode), expected);
  });

  it('reads expiries as seconds or durations and refuses nonsense', () => {
    assert.equal(expirySeconds(90), 90);
    assert.equal(expirySeconds('24h'), 86400);
    assert.equal(expirySeconds('7d'), 604800);
    assert.throws(() => expirySeconds('soon'));
    assert.throws(() => expirySeconds(0));
  });

  it('exports one JSON object per line that parses back to the entries', () => {
    const text = auditJsonLines(entries);
    assert.ok(text.endsWith('\n'));
    assert.deepEqual(
      text
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as unknown),
      entries,
    );
    assert.equal(auditJsonLines([]), '');
  });

  it('shows the log as aligned columns with known names in place of keys', () => {
    const table = auditTable('lab', entries, new Map([[KEY, 'Ada']])).split('\n');
    assert.equal(table[0], 'Audit log of lab: 2 entries');
    assert.match(table[4]!, /^1 +2026-01-01T00:00:00\.000Z +space-created +Ada +lab$/);
    assert.match(table[5]!, /refused .*lab\/a\.ipynb +not a member$/);
    const eventColumn = table[2]!.indexOf('event');
    assert.equal(table[4]!.indexOf('space-created'), eventColumn);
    assert.equal(table[5]!.indexOf('refused'), eventColumn);
  });
});
