import assert from 'node:assert/strict';
import { CloseCode } from '../protocol/close-codes.js';
import { HELP_ACTION_LABELS, helpFor } from './error-help.js';
import { ConnectionClosedError, RequestError } from './errors.js';

const KEY = `ed25519:${'A'.repeat(43)}`;
const scene = { relay: 'wss://relay.example', space: 'lab', publicKey: KEY, fingerprint: 'ab12-cd34', name: 'Ada' };

describe('error help', () => {
  it('says whose key, which space and which relay on a refusal, and offers Request Access and Copy My Key', () => {
    const help = helpFor(new ConnectionClosedError(CloseCode.Forbidden, 'access denied'), scene);
    assert.equal(help.title, 'Access denied to lab');
    assert.match(help.message, /your key ab12-cd34 \(Ada\)/);
    assert.match(help.message, /"lab"/);
    assert.match(help.message, /wss:\/\/relay\.example/);
    assert.doesNotMatch(help.message, /access denied: access denied/);
    assert.deepEqual(
      help.actions.map((a) => HELP_ACTION_LABELS[a]),
      ['Request Access', 'Copy My Key'],
    );
  });

  it('names the document being opened, and a short key when no fingerprint is known', () => {
    const { fingerprint: _fingerprint, ...withoutFingerprint } = scene;
    const help = helpFor(new ConnectionClosedError(CloseCode.Forbidden, ''), {
      ...withoutFingerprint,
      document: 'a.md',
    });
    assert.match(help.message, /opening a\.md/);
    assert.match(help.message, /your key ed25519:AAAAAAAAAAAA… \(Ada\)/);
  });

  it('offers the same actions after a revocation, only the key for a refused request, none when the key failed', () => {
    assert.deepEqual(helpFor(new ConnectionClosedError(CloseCode.AccessRevoked, ''), scene).actions, [
      'request-access',
      'copy-key',
    ]);
    const refused = helpFor(new RequestError('forbidden', 'only leads may invite'), scene);
    assert.match(refused.message, /^Only leads may invite: the role of your key ab12-cd34 \(Ada\) in "lab"/);
    assert.deepEqual(refused.actions, ['copy-key']);
    const unauthenticated = helpFor(new ConnectionClosedError(CloseCode.Unauthenticated, 'bad signature'), scene);
    assert.match(unauthenticated.message, /did not accept the signature of your key ab12-cd34.*\(bad signature\)/);
    assert.deepEqual(unauthenticated.actions, []);
  });

  it('keeps the message of any other error and offers nothing', () => {
    const unreachable = new ConnectionClosedError(CloseCode.Abnormal, 'ECONNREFUSED', 'ws://127.0.0.1:9');
    assert.deepEqual(helpFor(unreachable, scene), { title: 'Enclave', message: unreachable.message, actions: [] });
    assert.deepEqual(helpFor('boom', scene), { title: 'Enclave', message: 'boom', actions: [] });
    assert.deepEqual(helpFor(new RequestError('not-found', 'no such document'), scene).actions, []);
  });
});
