import assert from 'node:assert/strict';
import { DirectoryReadLimits } from './read-limits.js';

describe('directory read limits', () => {
  it('allows a burst per key and per address, then refills at the sustained rate', () => {
    let now = 0;
    const limits = new DirectoryReadLimits({ burst: 2, perMinute: 6 }, () => now);
    assert.deepEqual([limits.take('k', 'a'), limits.take('k', 'a'), limits.take('k', 'a')], [true, true, false]);
    assert.equal(limits.take('other key', 'a'), false, 'the address is out of reads');
    assert.equal(limits.take('k', 'other address'), false, 'the key is out of reads');
    assert.equal(limits.take('other key', 'other address'), true);
    now += 10_000; // 6 a minute: one read back every 10 s
    assert.equal(limits.take('k', 'a'), true);
    assert.equal(limits.take('k', 'a'), false);
    assert.equal(limits.retryAfterSeconds, 10);
  });

  it('takes nothing from the key when the address refuses (and the reverse)', () => {
    const limits = new DirectoryReadLimits({ burst: 1, perMinute: 1 }, () => 0);
    assert.equal(limits.take('first', 'a'), true);
    assert.equal(limits.take('second', 'a'), false);
    assert.equal(limits.take('second', 'b'), true, "the refused attempt did not spend the second key's read");
  });
});
