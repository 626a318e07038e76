/**
 * Listing a space in the relay's directory, as a stranger sees it on the wire: an unlisted space stays
 * indistinguishable from a missing one; a listed one shows exactly the directory's fields; unlisting takes it
 * out at once; listings that are forged or altered fail verification; the audit log and the relay's admin.
 */
import assert from 'node:assert/strict';
import {
  answerChallenge,
  CloseCode,
  DIRECTORY_ROOM,
  type DirectoryEntry,
  encodeClientMessage,
  generateIdentity,
  type Identity,
  importSigningKey,
  listingPayload,
  PROTOCOL_VERSION,
  readDirectory,
  sign,
  signListing,
  toBase64Url,
  verifyDirectoryEntry,
} from '@enclave/shared';
import { MemoryStorage } from '@enclave/relay';
import { connect, createSpace, openDocument, type RelayFixture, startRelay } from '../support/relay-fixture.js';
import { waitFor } from '../support/wait.js';
import { WireRecorder } from '../support/wire-recorder.js';
import { LISTING, listSpace, openDirectory, rawRequest, readRaw } from './support.js';

/** What a stranger's handshake at `space` receives: frame tags, messages and the close. */
async function strangerAt(url: string, stranger: Identity, space: string, ask = false) {
  const recorder = await WireRecorder.open(`${url}/${space}`);
  const answer = await answerChallenge(recorder.challenge, stranger, await importSigningKey(stranger), space, 1);
  const accessRequest = ask ? { accessRequest: { name: 'S', message: 'hello' } } : {};
  recorder.send(encodeClientMessage({ ...answer, ...accessRequest }));
  if (ask) await waitFor(() => recorder.messages().some((m) => m.type === 'access-pending'), 'pending');
  const closed = ask ? undefined : await recorder.closed();
  recorder.close();
  const messages = recorder.messages().map((m) => {
    // Fresh per connection (nonce) or per request (id): compared by shape, not value.
    if (m.type === 'challenge') return { ...m, nonce: '' };
    if (m.type === 'access-pending') return { ...m, requestId: m.requestId.length };
    return m;
  });
  return { tags: recorder.tags(), messages, closed };
}

describe('the directory: listing', function () {
  this.timeout(30_000);
  let fixture: RelayFixture;
  let member: Identity;
  let stranger: Identity;

  beforeEach(async () => {
    fixture = await startRelay();
    member = await generateIdentity('Member Quiet');
    stranger = await generateIdentity('Stranger');
    await createSpace(fixture.url, fixture.admin, 'hidden', [{ identity: member, role: 'editor' }]);
    await createSpace(fixture.url, fixture.admin, 'open', [{ identity: member, role: 'viewer' }]);
    const doc = await openDocument(
      fixture.url,
      fixture.admin,
      { space: 'open', document: 'secret-notes.md' },
      {
        create: 'draft',
      },
    );
    doc.doc.getText('source').insert(0, 'unpublished result');
    await doc.session.flush();
    doc.close();
  });
  afterEach(async () => fixture.close());

  it('keeps an unlisted space indistinguishable from a missing one, before and after another is listed', async () => {
    const compare = async (when: string): Promise<void> => {
      for (const ask of [false, true]) {
        const hidden = await strangerAt(fixture.url, stranger, 'hidden', ask);
        const missing = await strangerAt(fixture.url, stranger, 'missing', ask);
        assert.deepEqual(hidden, missing, `${when}, ${ask ? 'asking to join' : 'opening'}: the same on the wire`);
      }
      const { recorder, listings } = await readRaw(fixture.url, stranger);
      assert.equal(recorder.received('hidden'), false, `${when}: the directory never names the unlisted space`);
      assert.ok(listings.every((l) => l['space'] !== 'hidden'));
    };
    await compare('with nothing listed');
    assert.deepEqual((await readRaw(fixture.url, stranger)).listings, []);
    await listSpace(fixture.url, fixture.admin, 'open');
    await compare('after another space was listed');
  });

  it('shows a non-member exactly the listing fields, and nothing from inside the space', async () => {
    const setter = connect(fixture.url, fixture.admin, { space: 'open' });
    await setter.signAgreement((await setter.request({ op: 'agreement.set', text: 'Be kind.' })).agreement);
    setter.destroy();
    await listSpace(fixture.url, fixture.admin, 'open', { ...LISTING, showAgreement: true });
    const { recorder, listings } = await readRaw(fixture.url, stranger);
    assert.equal(listings.length, 1);
    const entry = listings[0]!;
    assert.deepEqual(Object.keys(entry).sort(), [
      'agreement',
      'description',
      'expectations',
      'knownMembers',
      'leads',
      'listedAt',
      'listedBy',
      'memberCount',
      'showAgreement',
      'signature',
      'space',
      'title',
    ]);
    assert.deepEqual(Object.keys(entry['listedBy'] as object).sort(), ['fingerprint', 'name', 'publicKey']);
    assert.deepEqual(entry['leads'], [
      { name: 'Admin', fingerprint: (entry['listedBy'] as { fingerprint: string }).fingerprint },
    ]);
    assert.deepEqual(Object.keys(entry['agreement'] as object).sort(), ['hash', 'text', 'version']);
    assert.equal((entry['agreement'] as { text: string }).text, 'Be kind.');
    assert.equal(entry['memberCount'], 2);
    assert.deepEqual(entry['knownMembers'], [], 'a stranger shares no space with anyone');
    assert.equal(entry['title'], LISTING.title);
    for (const text of ['unpublished result', 'secret-notes.md', 'Member Quiet', member.publicKey, 'hidden']) {
      assert.equal(recorder.received(text), false, `the directory never carried ${text}`);
    }
  });

  it('takes a listing out at once when its lead unlists it, and audits both', async () => {
    await listSpace(fixture.url, fixture.admin, 'open');
    const visitor = await openDirectory(fixture.url, stranger);
    const before = await rawRequest(visitor, { op: 'directory.list' }, 1);
    assert.equal((before.result as { listings: unknown[] }).listings.length, 1);
    const lead = connect(fixture.url, fixture.admin, { space: 'open' });
    assert.deepEqual(await lead.request({ op: 'listing.remove' }), { removed: true });
    const after = await rawRequest(visitor, { op: 'directory.list' }, 2);
    assert.deepEqual((after.result as { listings: unknown[] }).listings, [], 'gone on the same open connection');
    visitor.close();
    const { entries } = await lead.request({ op: 'audit.list' });
    const events = entries.filter((e) => e.event === 'listed' || e.event === 'unlisted');
    assert.deepEqual(
      events.map((e) => [e.event, e.actor]),
      [
        ['listed', fixture.admin.publicKey],
        ['unlisted', fixture.admin.publicKey],
      ],
    );
    assert.match(events[0]!.reason!, /Interpretability reading group/);
    lead.destroy();
  });

  it('lets only leads list, with a signature of their own for this relay and space', async () => {
    const asMember = connect(fixture.url, member, { space: 'open' });
    await asMember.whenWelcomed();
    const relayId = asMember.relayId!;
    await assert.rejects(asMember.request(await signListing(member, relayId, 'open', LISTING)), /lead/);
    asMember.destroy();

    const lead = connect(fixture.url, fixture.admin, { space: 'open' });
    await lead.whenWelcomed();
    const signedByOther = await signListing(member, relayId, 'open', LISTING);
    await assert.rejects(lead.request(signedByOther), /not signed by your key/);
    const forOtherRelay = await signListing(fixture.admin, (await generateIdentity('r')).publicKey, 'open', LISTING);
    await assert.rejects(lead.request(forOtherRelay), /not signed by your key for this relay/);
    const forOtherSpace = await signListing(fixture.admin, relayId, 'hidden', LISTING);
    await assert.rejects(lead.request(forOtherSpace), /not signed/);
    const altered = { ...(await signListing(fixture.admin, relayId, 'open', LISTING)), title: 'Something else' };
    await assert.rejects(lead.request(altered), /not signed/);
    const stale = await signListing(fixture.admin, relayId, 'open', LISTING, new Date(Date.now() - 3600_000));
    await assert.rejects(lead.request(stale), /10 minutes/);
    assert.deepEqual(await lead.request({ op: 'listing.get' }), { listing: null }, 'nothing was listed');
    lead.destroy();
    assert.deepEqual((await readRaw(fixture.url, stranger)).listings, []);
  });

  it('fails verification for an altered or forged listing, whoever serves it', async () => {
    await listSpace(fixture.url, fixture.admin, 'open');
    const connection = connect(fixture.url, stranger, DIRECTORY_ROOM);
    const [checked] = await readDirectory(connection);
    assert.equal(checked!.check.verified, true);
    const relayId = connection.relayId!;
    connection.destroy();
    const entry: DirectoryEntry = checked!.entry;
    const fails = async (changed: DirectoryEntry, pattern: RegExp): Promise<void> => {
      const check = await verifyDirectoryEntry(changed, relayId);
      assert.equal(check.verified, false);
      assert.match((check as { problem: string }).problem, pattern);
    };
    await fails({ ...entry, title: 'Altered title' }, /does not match its signature/);
    await fails({ ...entry, description: `${entry.description} ` }, /does not match its signature/);
    await fails({ ...entry, showAgreement: true }, /does not match its signature/);
    await fails({ ...entry, listedAt: new Date().toISOString() }, /does not match its signature/);
    const impostor = await generateIdentity('Admin');
    await fails(
      { ...entry, listedBy: { ...entry.listedBy, publicKey: impostor.publicKey } },
      /does not match its signature/,
    );
    // A forger's own valid signature over a listing in the real lead's name: the fingerprint gives it away.
    const forged = {
      ...entry,
      listedBy: { ...entry.listedBy, publicKey: impostor.publicKey },
      signature: toBase64Url(
        await sign(
          await importSigningKey(impostor),
          listingPayload(relayId, {
            ...LISTING,
            space: 'open',
            listedBy: impostor.publicKey,
            listedAt: entry.listedAt,
          }),
        ),
      ),
    };
    await fails(forged, /fingerprint shown for its lead is not their key's/);
    await fails({ ...entry, leads: [] }, /not a lead of the space/);
    await fails({ ...entry, agreement: { version: 1, hash: 'ab', text: 'other' } }, /agreement shown/);
    await fails({ ...entry, signature: 'not base64!' }, /not base64url/);
    assert.equal(
      (await verifyDirectoryEntry(entry, (await generateIdentity('x')).publicKey)).verified,
      false,
      'another relay',
    );
  });

  it('shows a listing tampered with in storage as not verified', async () => {
    const storage = new MemoryStorage();
    const own = await startRelay({ storage });
    try {
      await createSpace(own.url, own.admin, 'lab');
      await listSpace(own.url, own.admin, 'lab');
      const stored = (await storage.getListing('lab'))!;
      await storage.putListing({ ...stored, title: 'A title the lead never signed' });
      const connection = connect(own.url, stranger, DIRECTORY_ROOM);
      const [checked] = await readDirectory(connection);
      connection.destroy();
      assert.equal(checked!.entry.title, 'A title the lead never signed');
      assert.equal(checked!.check.verified, false);
    } finally {
      await own.close();
    }
  });

  it("lets a relay admin take a listing down without being a member, audited as the admin's", async () => {
    const lead = await generateIdentity('Lead');
    await createSpace(fixture.url, fixture.admin, 'theirs', [{ identity: lead, role: 'lead' }]);
    await listSpace(fixture.url, lead, 'theirs');
    const asLead = connect(fixture.url, lead, { space: 'theirs' });
    await asLead.request({ op: 'members.revoke', publicKey: fixture.admin.publicKey });
    const admin = connect(fixture.url, fixture.admin, { space: 'theirs' });
    assert.equal((await admin.whenWelcomed()).role, null, 'the admin is not a member');
    assert.deepEqual(await admin.request({ op: 'listing.remove' }), { removed: true });
    admin.destroy();
    assert.deepEqual((await readRaw(fixture.url, stranger)).listings, []);
    const unlisted = (await asLead.request({ op: 'audit.list' })).entries.find((e) => e.event === 'unlisted');
    assert.equal(unlisted?.actor, fixture.admin.publicKey);
    assert.equal(unlisted?.reason, 'taken down by a relay admin');
    asLead.destroy();
  });

  it('hides a listing whose signing lead is no longer a lead', async () => {
    const lead = await generateIdentity('Lead');
    await createSpace(fixture.url, fixture.admin, 'theirs', [{ identity: lead, role: 'lead' }]);
    await listSpace(fixture.url, lead, 'theirs');
    assert.equal((await readRaw(fixture.url, stranger)).listings.length, 1);
    const admin = connect(fixture.url, fixture.admin, { space: 'theirs' });
    await admin.request({ op: 'members.grant', publicKey: lead.publicKey, role: 'editor' });
    admin.destroy();
    assert.deepEqual((await readRaw(fixture.url, stranger)).listings, []);
  });

  it("lists a sealed space like any other: the listing is public by the lead's choice, sealing is not said", async () => {
    const lead = connect(fixture.url, fixture.admin, { space: 'vault' });
    await lead.request({ op: 'space.create', sealed: true });
    assert.equal((await lead.whenWelcomed()).protocol, PROTOCOL_VERSION, 'the newest protocol, which has sealing');
    await lead.request(await signListing(fixture.admin, lead.relayId!, 'vault', LISTING));
    lead.destroy();
    const { recorder, listings } = await readRaw(fixture.url, stranger);
    const entry = listings.find((l) => l['space'] === 'vault')!;
    assert.equal(entry['title'], LISTING.title);
    assert.equal(entry['memberCount'], 1);
    assert.equal(recorder.received('sealed'), false);
  });

  it('refuses the directory, and listing, when the relay admin switched it off', async () => {
    const off = await startRelay({ directory: false });
    try {
      await createSpace(off.url, off.admin, 'lab');
      const recorder = await WireRecorder.open(`${off.url}/~directory`);
      const answer = await answerChallenge(
        recorder.challenge,
        stranger,
        await importSigningKey(stranger),
        '~directory',
        1,
      );
      recorder.send(encodeClientMessage(answer));
      const closed = await recorder.closed();
      assert.equal(closed.code, CloseCode.Forbidden);
      assert.equal(closed.reason, "this relay's directory is switched off");
      const lead = connect(off.url, off.admin, { space: 'lab' });
      await lead.whenWelcomed();
      await assert.rejects(lead.request(await signListing(off.admin, lead.relayId!, 'lab', LISTING)), /switched off/);
      lead.destroy();
    } finally {
      await off.close();
    }
  });

  it('answers only directory.list on the directory channel, and directory.list nowhere else', async () => {
    const visitor = await openDirectory(fixture.url, fixture.admin);
    const create = await rawRequest(visitor, { op: 'space.create' }, 1);
    assert.equal(create.ok, false);
    assert.match(create.error!.message, /directory\.list only/);
    visitor.close();
    const lead = connect(fixture.url, fixture.admin, { space: 'open' });
    await assert.rejects(lead.request({ op: 'directory.list' }), /directory channel/);
    lead.destroy();
  });
});
