import assert from 'node:assert/strict';
import { signListing, verifySignedListing } from '../client/directory.js';
import { generateIdentity } from '../identity/keys.js';
import { DIRECTORY_ROOM, LISTING_LIMITS, listingPayload } from './directory.js';
import { parseFromClient, ProtocolViolation } from './messages.js';
import { parseRoomName, parseRoomPath, roomName, roomUrl } from './rooms.js';

const text = { title: 'T', description: 'line one\nline "two"', expectations: '', showAgreement: true };
const KEY = `ed25519:${'A'.repeat(43)}` as const;

describe('directory protocol', () => {
  it('encodes a listing canonically: fixed order, free text escaped, relay and space included', () => {
    const listing = { ...text, space: 'lab', listedBy: KEY, listedAt: '2026-01-01T00:00:00.000Z' };
    const payload = new TextDecoder().decode(listingPayload('ed25519:relay', listing));
    assert.equal(
      payload,
      `["enclave-listing",1,"ed25519:relay","lab","T","line one\\nline \\"two\\"","",true,"${KEY}","2026-01-01T00:00:00.000Z"]`,
    );
    // Moving text between fields changes the bytes: no two listings share a payload.
    const moved = listingPayload('ed25519:relay', { ...listing, title: 'T","line one', description: '' });
    assert.notEqual(new TextDecoder().decode(moved), payload);
  });

  it('signs a listing that verifies only unaltered, for its relay', async () => {
    const lead = await generateIdentity('Lead');
    const relay = await generateIdentity('relay');
    const request = await signListing(lead, relay.publicKey, 'lab', text);
    const { op: _op, ...fields } = request;
    const listing = { ...fields, space: 'lab', listedBy: lead.publicKey };
    assert.deepEqual(await verifySignedListing(listing, relay.publicKey), { verified: true });
    assert.equal((await verifySignedListing({ ...listing, title: 'U' }, relay.publicKey)).verified, false);
    assert.equal((await verifySignedListing({ ...listing, space: 'other' }, relay.publicKey)).verified, false);
    assert.equal((await verifySignedListing(listing, lead.publicKey)).verified, false);
    await assert.rejects(signListing(lead, relay.publicKey, 'lab', { ...text, title: ' ' }), /needs a title/);
  });

  it('addresses the directory at /~directory, a room no space can be', () => {
    assert.deepEqual(parseRoomPath('/~directory'), DIRECTORY_ROOM);
    assert.equal(roomName(DIRECTORY_ROOM), '~directory');
    assert.equal(roomUrl('ws://h:1', DIRECTORY_ROOM), 'ws://h:1/~directory');
    assert.throws(() => parseRoomName('~directory'), /invalid space name/);
    assert.equal(parseRoomPath('/~directory/doc'), undefined);
  });

  it('parses directory requests and refuses malformed ones', () => {
    const listing = { op: 'listing.set', ...text, listedAt: 'x', signature: 's' };
    assert.deepEqual(parseFromClient({ type: 'request', id: 1, request: listing }).type, 'request');
    const bad = [
      { ...listing, showAgreement: 'yes' },
      { ...listing, title: 'x'.repeat(LISTING_LIMITS.title + 1) },
      { ...listing, description: undefined },
      { op: 'hints.set', hidden: 1 },
    ];
    for (const request of bad) {
      assert.throws(() => parseFromClient({ type: 'request', id: 1, request }), ProtocolViolation);
    }
    const ask = (via: unknown): unknown => ({
      type: 'authenticate',
      protocol: 1,
      publicKey: KEY,
      signature: 's',
      accessRequest: { name: 'n', message: 'm', via },
    });
    assert.deepEqual((parseFromClient(ask('directory')) as { accessRequest: unknown }).accessRequest, {
      name: 'n',
      message: 'm',
      via: 'directory',
    });
    assert.throws(() => parseFromClient(ask('a friend')), ProtocolViolation);
  });
});
