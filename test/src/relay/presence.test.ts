/**
 * Presence: the relay stamps each client's awareness with the identity it authenticated (the access-list
 * name, fingerprint and colour), whatever the client claims, and a client cannot overwrite another's state.
 */
import assert from 'node:assert/strict';
import * as encoding from 'lib0/encoding';
import { fingerprint, generateIdentity, type Identity, MessageTag } from '@enclave/shared';
import {
  createSpace,
  openDocument,
  type OpenDocument,
  type RelayFixture,
  startRelay,
} from '../support/relay-fixture.js';
import { delay, waitFor } from '../support/wait.js';

describe('presence (awareness)', () => {
  let fixture: RelayFixture;
  let alice: Identity;
  let bob: Identity;
  let a: OpenDocument;
  let b: OpenDocument;
  const room = { space: 'team', document: 'p.md' };

  beforeEach(async () => {
    fixture = await startRelay();
    alice = await generateIdentity('alice-local-name');
    bob = await generateIdentity('Bob');
    await createSpace(fixture.url, fixture.admin, 'team', [
      { identity: { ...alice, name: 'Alice (access list)' }, role: 'editor' },
      { identity: bob, role: 'viewer' },
    ]);
    a = await openDocument(fixture.url, alice, room, { create: 'draft' });
    b = await openDocument(fixture.url, bob, room);
  });
  afterEach(async () => {
    a.close();
    b.close();
    await fixture.close();
  });

  it("replaces a client's claimed user with the authenticated one", async () => {
    a.session.awareness.setLocalState({
      user: { name: 'The CEO', color: '#000000', publicKey: bob.publicKey },
      cursor: { anchor: 3 },
    });
    await waitFor(
      () => b.session.awareness.getStates().get(a.doc.clientID)?.['cursor'] !== undefined,
      'Alice appears at Bob',
    );
    const seen = b.session.awareness.getStates().get(a.doc.clientID) as {
      user: Record<string, string>;
      cursor: unknown;
    };
    assert.equal(seen.user['name'], 'Alice (access list)');
    assert.equal(seen.user['display_name'], 'Alice (access list)');
    assert.equal(seen.user['publicKey'], alice.publicKey);
    assert.equal(seen.user['fingerprint'], await fingerprint(alice.publicKey));
    assert.match(seen.user['color']!, /^#[0-9a-f]{6}$/);
    assert.notEqual(seen.user['color'], '#000000');
    assert.deepEqual(seen.cursor, { anchor: 3 }, 'the rest of the state passes through');
  });

  it("does not let one client set another client's awareness state", async () => {
    b.session.awareness.setLocalStateField('cursor', { anchor: 1 });
    await waitFor(() => a.session.awareness.getStates().has(b.doc.clientID), 'Bob appears at Alice');
    // Alice forges an update for Bob's client id with a higher clock.
    const forged = encoding.createEncoder();
    encoding.writeVarUint(forged, MessageTag.Awareness);
    const inner = encoding.createEncoder();
    encoding.writeVarUint(inner, 1);
    encoding.writeVarUint(inner, b.doc.clientID);
    encoding.writeVarUint(inner, 1000);
    encoding.writeVarString(inner, JSON.stringify({ cursor: { anchor: 99 }, user: { name: 'forged' } }));
    encoding.writeVarUint8Array(forged, encoding.toUint8Array(inner));
    a.connection.send(encoding.toUint8Array(forged));
    const c = await openDocument(fixture.url, alice, room);
    await delay(150);
    const atC = c.session.awareness.getStates().get(b.doc.clientID) as {
      cursor: { anchor: number };
      user: { name: string };
    };
    assert.equal(atC.cursor.anchor, 1);
    assert.equal(atC.user.name, 'Bob');
    c.close();
  });

  it("removes a client's presence when it disconnects", async () => {
    a.session.awareness.setLocalStateField('cursor', { anchor: 0 });
    await waitFor(() => b.session.awareness.getStates().has(a.doc.clientID), 'Alice present');
    a.close();
    await waitFor(() => !b.session.awareness.getStates().has(a.doc.clientID), 'Alice gone');
  });
});

describe('presence for late joiners', () => {
  it("shows a late joiner everyone's current presence at once", async () => {
    const fixture = await startRelay();
    try {
      const alice = await generateIdentity('Alice');
      const bob = await generateIdentity('Bob');
      await createSpace(fixture.url, fixture.admin, 'team', [
        { identity: alice, role: 'editor' },
        { identity: bob, role: 'editor' },
      ]);
      const room = { space: 'team', document: 'late.md' };
      const a = await openDocument(fixture.url, alice, room, { create: 'draft' });
      a.session.awareness.setLocalStateField('cursor', { anchor: 7 });
      await a.session.flush();
      const b = await openDocument(fixture.url, bob, room);
      await waitFor(
        () => b.session.awareness.getStates().has(a.doc.clientID),
        'Alice visible to the late joiner',
        2_000,
      );
      await waitFor(() => a.session.awareness.getStates().has(b.doc.clientID), 'Bob visible to Alice', 2_000);
      a.close();
      b.close();
    } finally {
      await fixture.close();
    }
  });
});
