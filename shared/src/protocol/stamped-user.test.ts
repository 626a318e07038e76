import assert from 'node:assert/strict';
import { readStampedUser, stampedUser } from './stamped-user.js';

const KEY = `ed25519:${'A'.repeat(43)}` as const;
const FP = 'ab12-cd34-ef56-7890';

describe('stamped user', () => {
  it('reads back exactly what the relay stamped', () => {
    const stamp = stampedUser({ publicKey: KEY, name: 'Ada Lovelace', fingerprint: FP, color: '#123456' });
    assert.equal(stamp.initials, 'AL');
    assert.equal(stamp.username, FP);
    assert.deepEqual(readStampedUser(JSON.parse(JSON.stringify({ user: stamp, cursors: [] }))), stamp);
  });

  it('ignores a state without a stamped key, whatever else it claims', () => {
    for (const state of [null, 7, 'user', [], {}, { user: null }, { user: 'Ada' }, { user: { name: 'Ada' } }]) {
      assert.equal(readStampedUser(state), undefined, JSON.stringify(state));
    }
    assert.equal(readStampedUser({ user: { publicKey: 42, name: 'Ada' } }), undefined);
  });

  it('fills fields that are missing or not text with defaults, never with foreign values', () => {
    const user = readStampedUser({ user: { publicKey: KEY, name: 'Bo', color: { evil: true }, initials: 3 } });
    assert.deepEqual(user, {
      name: 'Bo',
      display_name: 'Bo',
      username: '',
      initials: 'B',
      color: '#888888',
      publicKey: KEY,
      fingerprint: '',
    });
    assert.equal(readStampedUser({ user: { publicKey: KEY } })?.name, 'someone');
    assert.equal(readStampedUser({ user: { publicKey: KEY, name: 'n', display_name: 'Shown' } })?.name, 'Shown');
  });
});
