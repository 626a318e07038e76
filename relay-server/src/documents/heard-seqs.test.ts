import assert from 'node:assert/strict';
import { HeardSeqs } from './heard-seqs.js';

describe('the stored seqs a loaded copy holds', () => {
  it('moves on only over seqs without a gap, and closes the gap when the late one arrives', () => {
    const heard = new HeardSeqs(10);
    heard.add(11);
    heard.add(13); // 12 (another relay's) still on its way
    heard.add(14);
    assert.equal(heard.through, 11);
    assert.equal(heard.complete, false);
    heard.add(12);
    assert.equal(heard.through, 14);
    assert.equal(heard.complete, true);
    heard.add(9); // a duplicate of what was loaded
    assert.equal(heard.through, 14);
  });

  it('a read of storage through a seq fills every gap below it', () => {
    const heard = new HeardSeqs(0);
    heard.add(3);
    heard.add(6);
    heard.caughtUp(4);
    assert.equal(heard.through, 4);
    assert.equal(heard.complete, false, '6 is still above a gap');
    heard.caughtUp(6);
    assert.equal(heard.through, 6);
    assert.equal(heard.complete, true);
  });
});
