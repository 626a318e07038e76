/**
 * Asking to join from a listing: the existing access request, marked as sent from the directory while the
 * space is listed. Leads see where it came from (live, in the list, and in shared's headline the editors
 * show); an approved requester signs the agreement and pulls a document; a denied one received nothing.
 */
import assert from 'node:assert/strict';
import {
  answerChallenge,
  CloseCode,
  DIRECTORY_ROOM,
  encodeClientMessage,
  generateIdentity,
  type Identity,
  importSigningKey,
  MessageTag,
  readDirectory,
  requestHeadline,
  RequestWatch,
} from '@enclave/shared';
import { connect, createSpace, openDocument, type RelayFixture, startRelay } from '../support/relay-fixture.js';
import { waitFor } from '../support/wait.js';
import { WireRecorder } from '../support/wire-recorder.js';
import { LISTING, listSpace } from './support.js';

describe('the directory: asking to join from a listing', function () {
  this.timeout(30_000);
  let fixture: RelayFixture;
  let member: Identity;

  beforeEach(async () => {
    fixture = await startRelay();
    member = await generateIdentity('Member Name');
    await createSpace(fixture.url, fixture.admin, 'lab', [{ identity: member, role: 'editor' }]);
    const peer = await openDocument(fixture.url, member, { space: 'lab', document: 'notes.md' }, { create: 'draft' });
    peer.doc.getText('source').insert(0, 'the lab notebook');
    await peer.session.flush();
    peer.close();
    const lead = connect(fixture.url, fixture.admin, { space: 'lab' });
    await lead.signAgreement((await lead.request({ op: 'agreement.set', text: 'Share nothing outside.' })).agreement);
    lead.destroy();
    await listSpace(fixture.url, fixture.admin, 'lab', { ...LISTING, showAgreement: true });
  });
  afterEach(async () => fixture.close());

  it('reaches the leads marked as from the directory; once approved the requester signs and pulls a document', async () => {
    const lead = connect(fixture.url, fixture.admin, { space: 'lab' });
    const watch = new RequestWatch(lead);
    await watch.whenLoaded();

    const asker = await generateIdentity('Dr. Asker');
    const browsing = connect(fixture.url, asker, DIRECTORY_ROOM);
    const [listed] = await readDirectory(browsing);
    browsing.destroy();
    assert.equal(listed!.check.verified, true);
    assert.equal(listed!.entry.agreement?.text, 'Share nothing outside.', 'the agreement is shown before asking');

    const asking = connect(fixture.url, asker, { space: listed!.entry.space }, false, {
      accessRequest: { name: 'Dr. Asker', message: 'found you in the directory', via: 'directory' },
    });
    await waitFor(() => watch.pending.length === 1, 'the lead sees the request live');
    const request = watch.pending[0]!;
    assert.equal(request.via, 'directory');
    assert.match(requestHeadline(request, 'lab'), /^Dr\. Asker · [0-9a-f-]+ → lab · from the directory$/);
    const listedAgain = (await lead.request({ op: 'requests.list' })).requests[0]!;
    assert.equal(listedAgain.via, 'directory');
    const audit = (await lead.request({ op: 'audit.list' })).entries.find((e) => e.event === 'access-requested');
    assert.match(audit!.reason!, /from the directory/);

    await watch.approve(request.id, 'viewer');
    const welcome = await asking.whenWelcomed();
    assert.equal(welcome.role, 'viewer');
    assert.equal(welcome.agreement?.text, 'Share nothing outside.', 'agreement before content');
    asking.destroy();

    const agreed = connect(fixture.url, asker, { space: 'lab' });
    await agreed.signAgreement((await agreed.whenWelcomed()).agreement!);
    agreed.destroy();
    const pulled = await openDocument(fixture.url, asker, { space: 'lab', document: 'notes.md' });
    assert.equal(pulled.doc.getText('source').toString(), 'the lab notebook');
    pulled.close();
    watch.destroy();
    lead.destroy();
  });

  it('gives a denied requester nothing of the space', async () => {
    const asker = await generateIdentity('Denied');
    const recorder = await WireRecorder.open(`${fixture.url}/lab`);
    const answer = await answerChallenge(recorder.challenge, asker, await importSigningKey(asker), 'lab', 1);
    recorder.send(
      encodeClientMessage({ ...answer, accessRequest: { name: 'Denied', message: 'hi', via: 'directory' } }),
    );
    await waitFor(() => recorder.messages().some((m) => m.type === 'access-pending'), 'pending');
    const lead = connect(fixture.url, fixture.admin, { space: 'lab' });
    const { requests } = await lead.request({ op: 'requests.list', status: 'pending' });
    assert.equal(requests[0]!.via, 'directory');
    await lead.request({ op: 'requests.deny', id: requests[0]!.id });
    const closed = await recorder.closed();
    assert.equal(closed.code, CloseCode.Forbidden);
    assert.deepEqual(recorder.tags(), [MessageTag.Enclave, MessageTag.Enclave], 'challenge and access-pending only');
    for (const text of ['the lab notebook', 'notes.md', 'Member Name', member.publicKey, 'Share nothing']) {
      assert.equal(recorder.received(text), false, `never saw ${text}`);
    }
    lead.destroy();
  });

  it('does not mark a request as from the directory when the space is not listed', async () => {
    const lead = connect(fixture.url, fixture.admin, { space: 'lab' });
    await lead.request({ op: 'listing.remove' });
    const asker = await generateIdentity('Late');
    const asking = connect(fixture.url, asker, { space: 'lab' }, false, {
      accessRequest: { name: 'Late', message: 'it was listed a minute ago', via: 'directory' },
    });
    await waitFor(() => asking.status === 'waiting', 'waiting');
    const { requests } = await lead.request({ op: 'requests.list' });
    assert.equal(requests.length, 1);
    assert.equal(requests[0]!.via, undefined);
    assert.doesNotMatch(requestHeadline(requests[0]!, 'lab'), /directory/);
    asking.destroy();
    lead.destroy();
  });
});
