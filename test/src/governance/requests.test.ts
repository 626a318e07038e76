/**
 * Access requests: a non-member asks with a message; leads see it live and approve or deny; an approved
 * requester's open connection is admitted without reconnecting; a denied one gets nothing. Requests are
 * rate-limited and reveal nothing about the space (asserted on the wire).
 */
import assert from 'node:assert/strict';
import {
  answerChallenge,
  CloseCode,
  encodeClientMessage,
  generateIdentity,
  type Identity,
  importSigningKey,
  MessageTag,
  type SpaceEvent,
} from '@enclave/shared';
import { connect, createSpace, openDocument, type RelayFixture, startRelay } from '../support/relay-fixture.js';
import { waitFor } from '../support/wait.js';
import { WireRecorder } from '../support/wire-recorder.js';

describe('access requests', function () {
  this.timeout(30_000);
  let fixture: RelayFixture;
  let member: Identity;

  beforeEach(async () => {
    fixture = await startRelay();
    member = await generateIdentity('Member Name');
    await createSpace(fixture.url, fixture.admin, 'lab', [{ identity: member, role: 'editor' }]);
    const peer = await openDocument(fixture.url, member, { space: 'lab', document: 'secret.md' }, { create: 'draft' });
    peer.doc.getText('source').insert(0, 'unpublished');
    await peer.session.flush();
    peer.close();
  });
  afterEach(async () => fixture.close());

  it('shows leads the request live; approval admits the waiting connection', async () => {
    const lead = connect(fixture.url, fixture.admin, { space: 'lab' });
    const events: SpaceEvent[] = [];
    lead.on('space-event', (e) => events.push(e));
    await lead.whenWelcomed();

    const asker = await generateIdentity('Asker');
    const connection = connect(fixture.url, asker, { space: 'lab' }, false, {
      accessRequest: { name: 'Dr. Asker', message: 'I work on induction heads too' },
    });
    await waitFor(() => connection.status === 'waiting', 'the requester waits');
    await waitFor(() => events.length > 0, 'the lead sees the request live');
    const event = events[0]!;
    assert.equal(event.kind, 'access-request');
    assert.equal(event.request.name, 'Dr. Asker');
    assert.equal(event.request.message, 'I work on induction heads too');
    assert.equal(event.request.publicKey, asker.publicKey);
    assert.match(event.request.fingerprint, /^[0-9a-f]{4}-/);

    const { requests } = await lead.request({ op: 'requests.list', status: 'pending' });
    assert.equal(requests.length, 1);
    await lead.request({ op: 'requests.approve', id: requests[0]!.id, role: 'viewer' });
    const welcome = await connection.whenWelcomed();
    assert.equal(welcome.role, 'viewer');
    assert.equal(connection.status, 'connected', 'admitted on the same connection');
    const { members } = await connection.request({ op: 'members.list' });
    assert.ok(members.some((m) => m.publicKey === asker.publicKey && m.name === 'Dr. Asker'));
    connection.destroy();
    lead.destroy();
  });

  it('reveals nothing while waiting, and a denied requester gets nothing', async () => {
    const asker = await generateIdentity('Asker');
    const recorder = await WireRecorder.open(`${fixture.url}/lab`);
    const answer = await answerChallenge(recorder.challenge, asker, await importSigningKey(asker), 'lab', 1);
    recorder.send(encodeClientMessage({ ...answer, accessRequest: { name: 'A', message: 'hi' } }));
    await waitFor(() => recorder.messages().some((m) => m.type === 'access-pending'), 'pending');

    // The same answer for a space that does not exist.
    const nowhere = await WireRecorder.open(`${fixture.url}/nowhere`);
    const answer2 = await answerChallenge(nowhere.challenge, asker, await importSigningKey(asker), 'nowhere', 1);
    nowhere.send(encodeClientMessage({ ...answer2, accessRequest: { name: 'A', message: 'hi' } }));
    await waitFor(() => nowhere.messages().some((m) => m.type === 'access-pending'), 'pending too');
    assert.deepEqual(nowhere.tags(), recorder.tags());

    const lead = connect(fixture.url, fixture.admin, { space: 'lab' });
    const { requests } = await lead.request({ op: 'requests.list' });
    await lead.request({ op: 'requests.deny', id: requests[0]!.id });
    const closed = await recorder.closed();
    assert.equal(closed.code, CloseCode.Forbidden);
    assert.equal(closed.reason, 'access request denied');
    assert.deepEqual(recorder.tags(), [MessageTag.Enclave, MessageTag.Enclave], 'challenge and access-pending only');
    for (const text of ['unpublished', 'Member Name', 'secret.md', member.publicKey]) {
      assert.equal(recorder.received(text), false, `never saw ${text}`);
    }
    nowhere.close();
    lead.destroy();
  });

  it('rate-limits requests from one key (4429 after 5 an hour)', async () => {
    const asker = await generateIdentity('Pest');
    const codes: number[] = [];
    for (let i = 0; i < 6; i++) {
      const recorder = await WireRecorder.open(`${fixture.url}/lab`);
      const answer = await answerChallenge(recorder.challenge, asker, await importSigningKey(asker), 'lab', 1);
      recorder.send(encodeClientMessage({ ...answer, accessRequest: { name: 'P', message: `#${i}` } }));
      await waitFor(() => recorder.messages().length > 1 || recorder.closeRecord !== undefined, 'an answer');
      codes.push(recorder.closeRecord?.code ?? 0);
      recorder.close();
    }
    assert.deepEqual(codes.slice(0, 5), [0, 0, 0, 0, 0]);
    assert.equal(codes[5], CloseCode.RateLimited);
    const lead = connect(fixture.url, fixture.admin, { space: 'lab' });
    const { requests } = await lead.request({ op: 'requests.list' });
    assert.equal(requests.length, 1, 'repeated requests from one key are one request');
    lead.destroy();
  });

  it('lets only leads list and answer requests', async () => {
    const editor = connect(fixture.url, member, { space: 'lab' });
    await assert.rejects(editor.request({ op: 'requests.list' }), /lead/);
    editor.destroy();
  });
});
