import assert from 'node:assert/strict';
import * as Y from 'yjs';
import { cursorJson, RUNNING_FIELD } from '../protocol/presence.js';
import { runnersByCell, runningLabel, whereIs, type AwarenessStates } from './participant-activity.js';

const ADA = `ed25519:${'A'.repeat(43)}`;
const BO = `ed25519:${'B'.repeat(43)}`;
const user = (publicKey: string, name: string): Record<string, unknown> => ({
  publicKey,
  name,
  display_name: name,
  fingerprint: name.toLowerCase(),
  color: '#123456',
});

/** Awareness as the network delivers it: client id -> state, this client being `self`. */
function states(self: number, entries: [number, Record<string, unknown>][]): AwarenessStates {
  return { clientID: self, getStates: () => new Map(entries) };
}

describe('participant activity', () => {
  const doc = new Y.Doc();
  const first = doc.getText('first');
  const second = doc.getText('second');
  first.insert(0, 'alpha = 1');
  second.insert(0, 'beta = 2');

  it("finds a participant's cursor by their stamped key, across their connections", () => {
    const awareness = states(1, [
      [1, { user: user(ADA, 'Me'), cursors: [cursorJson(first, 0, 1)] }],
      [2, { user: user(BO, 'Bo') }],
      [3, { user: user(BO, 'Bo'), cursors: [cursorJson(second, 2, 4)] }],
    ]);
    const bo = whereIs(awareness, doc, BO);
    assert.equal(bo?.user.name, 'Bo');
    assert.ok(bo.cursor && (bo.cursor.type as unknown) === second);
    assert.deepEqual([bo.cursor.anchor, bo.cursor.head], [2, 4]);
    assert.equal(whereIs(awareness, doc, ADA), undefined, 'this client is never the one followed');
  });

  it('reports a present participant without a usable cursor, and an absent one as gone', () => {
    const awareness = states(1, [
      [2, { user: user(BO, 'Bo'), cursors: [{ anchor: 'garbage', head: { type: 7 } }] }],
      [3, { user: { name: 'Bo, unstamped' }, cursors: [cursorJson(first, 0, 0)] }],
    ]);
    assert.deepEqual(whereIs(awareness, doc, BO)?.cursor, undefined);
    assert.equal(whereIs(awareness, doc, BO)?.user.name, 'Bo');
    assert.equal(whereIs(states(1, []), doc, BO), undefined);
  });

  it('maps each cell to the others running it, skipping malformed and unstamped states', () => {
    const awareness = states(1, [
      [1, { user: user(ADA, 'Me'), [RUNNING_FIELD]: ['c1'] }],
      [2, { user: user(BO, 'Bo'), [RUNNING_FIELD]: ['c1', 'c2', 'c2', 42, { id: 'c3' }] }],
      [3, { user: user(ADA, 'Ada'), [RUNNING_FIELD]: 'c1' }],
      [4, { [RUNNING_FIELD]: ['c1'] }],
      [5, { user: user(ADA, 'Ada'), [RUNNING_FIELD]: ['c1'] }],
    ]);
    const runners = runnersByCell(awareness);
    assert.deepEqual([...runners.keys()].sort(), ['c1', 'c2']);
    assert.equal(runningLabel(runners.get('c1')!), '▶ Bo, Ada running');
    assert.equal(runningLabel(runners.get('c2')!), '▶ Bo running');
  });
});
