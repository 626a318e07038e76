import assert from 'node:assert/strict';
import { type AuditEntry, auditJsonLines, parseLink } from '@enclave/shared';
import { auditTable, expirySeconds, inviteLinks } from '../../src/governance/format.js';

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
  {
    seq: 3,
    time: '2026-01-01T00:05:00.000Z',
    event: 'refused',
    actor: KEY,
    actorFingerprint: 'ab12-cd34-ef56-7890',
    room: 'lab',
    reason: 'invalid signature',
    count: 1,
    since: '2026-01-01T00:05:00.000Z',
  },
  {
    seq: 4,
    time: '2026-01-01T00:06:00.000Z',
    event: 'refused',
    actor: KEY,
    actorName: 'Ada',
    actorFingerprint: 'ab12-cd34-ef56-7890',
    room: 'lab',
    reason: 'invalid signature',
    count: 2,
    since: '2026-01-01T00:05:00.000Z',
  },
];

describe('governance text', () => {
  it('makes invite links that parse back to the same invite under both schemes', () => {
    const expected = { kind: 'join', relay: 'ws://localhost:1234', space: 'lab', token: 'tok-en_1' } as const;
    const links = inviteLinks(expected, 'vscode', 'enclave.enclave-vscode');
    assert.match(links.enclave, /^enclave:\/\/join\?/);
    assert.match(links.vscode, /^vscode:\/\/enclave\.enclave-vscode\/join\?/);
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

  it('shows the log as aligned columns with names and short fingerprints in place of keys, counts once', () => {
    const table = auditTable('lab', entries, new Map([[KEY, 'Ada']])).split('\n');
    assert.equal(table[0], 'Audit log of lab: 3 entries', 'the counted entry once, at its latest count');
    assert.match(table[4]!, /^1 +2026-01-01T00:00:00\.000Z +space-created +Ada \(AAAAAAAAAA…\) +room lab$/);
    assert.match(table[5]!, /refused +- +room lab\/a\.ipynb; not a member$/);
    assert.match(
      table[6]!,
      /^4 .* refused +Ada \(ab12-cd34\) +2 times since 2026-01-01T00:05:00\.000Z; last room lab; invalid signature$/,
    );
    assert.ok(!table.join('\n').includes(KEY), 'no full key');
    const eventColumn = table[2]!.indexOf('event');
    assert.equal(table[4]!.indexOf('space-created'), eventColumn);
    assert.equal(table[5]!.indexOf('refused'), eventColumn);
  });
});
