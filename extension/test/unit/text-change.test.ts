import assert from 'node:assert/strict';
import { applyChange, diffText, mapOffset } from '../../src/binding/text-change.js';

describe('text changes', () => {
  it('diffs to the single replacement between common prefix and suffix', () => {
    assert.deepEqual(diffText('hello world', 'hello brave world'), { offset: 6, deleteCount: 0, insert: 'brave ' });
    assert.deepEqual(diffText('abc', 'abc'), undefined);
    assert.deepEqual(diffText('aaa', 'aa'), { offset: 2, deleteCount: 1, insert: '' });
    assert.deepEqual(diffText('', 'x'), { offset: 0, deleteCount: 0, insert: 'x' });
  });

  it('never splits a surrogate pair', () => {
    const from = 'a\u{1F600}b';
    const to = 'a\u{1F601}b';
    const change = diffText(from, to)!;
    assert.equal(change.offset, 1);
    assert.equal(change.insert, '\u{1F601}');
    assert.equal(applyChange(from, change), to);
  });

  it('round-trips random pairs', () => {
    for (let i = 0; i < 500; i++) {
      const a = Math.random()
        .toString(36)
        .slice(2, 2 + (i % 9));
      const b = Math.random()
        .toString(36)
        .slice(2, 2 + (i % 7));
      const change = diffText(a, b);
      assert.equal(change ? applyChange(a, change) : a, b);
    }
  });

  it('maps offsets across a replacement', () => {
    const change = { offset: 2, deleteCount: 3, insert: 'XY' };
    assert.equal(mapOffset(1, change), 1);
    assert.equal(mapOffset(2, change), 2);
    assert.equal(mapOffset(3, change), 4);
    assert.equal(mapOffset(5, change), 4);
    assert.equal(mapOffset(7, change), 6);
    assert.equal(mapOffset(7, undefined), 7);
  });
});
