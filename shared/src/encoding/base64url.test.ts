import assert from 'node:assert/strict';
import { fromBase64Url, toBase64Url } from './base64url.js';

describe('base64url', () => {
  it('round-trips every length up to 70 bytes and agrees with Node', () => {
    for (let n = 0; n < 70; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 0xff);
      const text = toBase64Url(bytes);
      assert.equal(text, Buffer.from(bytes).toString('base64url'));
      assert.deepEqual(fromBase64Url(text), bytes);
    }
  });

  it('rejects characters outside the alphabet', () => {
    assert.throws(() => fromBase64Url('ab+c'), TypeError);
    assert.throws(() => fromBase64Url('a b'), TypeError);
  });
});
