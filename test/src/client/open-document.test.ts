/**
 * Shared's openDocument, the one way the CLI and both editors open a document by space and real name,
 * against a real relay: plain and sealed spaces alike, the space channel asked first; in a sealed space the
 * real name reaches the relay in no room path and no frame; a member waiting for the key is let in once a
 * lead's open document shares it; listDocuments shows real names.
 */
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { YFile } from '@jupyter/ydoc';
import {
  type DocumentKind,
  EnclaveConnection,
  generateIdentity,
  type Identity,
  listDocuments,
  openDocument,
  type OpenedDocument,
  type RoomAddress,
  RequestError,
  SpaceKeys,
  type WebSocketConstructor,
} from '@enclave/shared';
import { connect, createSpace, type RelayFixture, startRelay } from '../support/relay-fixture.js';
import { waitFor } from '../support/wait.js';

const MARKER = 'REALNAME-c41e';
const NAME = `plan-${MARKER}.md`;

/** What the relay received from our clients: every URL opened and every frame sent. */
class Wire {
  readonly urls: string[] = [];
  readonly frames: Buffer[] = [];
  readonly WebSocket: WebSocketConstructor;

  constructor() {
    const { urls, frames } = this;
    class Recording extends WebSocket {
      constructor(url: string) {
        super(url);
        urls.push(url);
      }
      override send(data: Uint8Array): void {
        frames.push(Buffer.from(data));
        super.send(data);
      }
    }
    this.WebSocket = Recording as unknown as WebSocketConstructor;
  }

  /** Whether `text` appears in any URL or frame (as UTF-8, or URL-encoded). */
  saw(text: string): boolean {
    return (
      this.urls.some((u) => u.includes(text) || u.includes(encodeURIComponent(text))) ||
      this.frames.some((f) => f.includes(text))
    );
  }
}

describe('openDocument: one opener for plain and sealed spaces', function () {
  this.timeout(30_000);
  let fixture: RelayFixture;
  let bob: Identity;
  let wire: Wire;
  const opened: OpenedDocument<YFile>[] = [];

  const open = async (
    who: Identity,
    space: string,
    create?: DocumentKind,
    extra: { keyWaitMs?: number; onWaitingForKey?: (m: string) => void } = {},
  ): Promise<OpenedDocument<YFile>> => {
    const document = await openDocument<YFile>({
      space,
      name: NAME,
      identity: who,
      connect: (room: RoomAddress) =>
        new EnclaveConnection({ relayUrl: fixture.url, room, identity: who, WebSocket: wire.WebSocket }).connect(),
      ...(create ? { create } : {}),
      model: () => new YFile(),
      keySharingIntervalMs: 100,
      ...extra,
    });
    opened.push(document);
    await document.session.whenSynced();
    return document;
  };

  /** A sealed space whose lead holds epoch 1's key; Bob is granted but not given the key. */
  async function sealedSpace(space: string, withBob = true): Promise<void> {
    const lead = connect(fixture.url, fixture.admin, { space });
    try {
      await lead.request({ op: 'space.create', name: 'Admin', sealed: true });
      const keys = new SpaceKeys(space, fixture.admin);
      await keys.rotate((r) => lead.request(r), [fixture.admin.publicKey]);
      keys.destroy();
    } finally {
      lead.close();
    }
    if (withBob) await grantBob(space);
  }

  const grantBob = (space: string): Promise<unknown> =>
    withChannel(fixture.admin, space, (c) =>
      c.request({ op: 'members.grant', publicKey: bob.publicKey, role: 'editor', name: 'Bob' }),
    );

  beforeEach(async () => {
    fixture = await startRelay();
    bob = await generateIdentity('Bob');
    wire = new Wire();
  });
  afterEach(async () => {
    for (const document of opened.splice(0)) {
      document.close();
      document.model.dispose();
    }
    await fixture.close();
  });

  it('plain: asks the space channel first, then syncs `space/<name>` with a DocumentSession', async () => {
    await createSpace(fixture.url, fixture.admin, 'lab', [{ identity: bob, role: 'editor' }]);
    const a = await open(fixture.admin, 'lab', 'draft');
    const b = await open(bob, 'lab');
    assert.equal(a.sealed, false);
    assert.equal(b.session.sealed, false);
    assert.deepEqual(b.room, { space: 'lab', document: NAME });
    assert.deepEqual(
      wire.urls.map((u) => new URL(u).pathname),
      ['/lab', `/lab/${NAME}`, '/lab', `/lab/${NAME}`],
      'each open asks the space channel before naming the document',
    );
    a.model.source = 'from the lead';
    await waitFor(() => b.model.source === 'from the lead', 'Bob sees the lead');
    await b.session.flush();
    const listed = await withChannel(bob, 'lab', (c) => listDocuments(c, bob));
    assert.deepEqual(
      listed.map((d) => [d.name, d.id, d.info.kind]),
      [[NAME, NAME, 'draft']],
    );
  });

  it('sealed: the real name is in no room path and no frame; a waiting member is let in by the lead', async () => {
    await sealedSpace('vault', false);
    const first = await open(fixture.admin, 'vault', 'draft');
    assert.equal(first.sealed, true);
    assert.equal(first.session.sealed, true);
    assert.match(first.room.document, /^s-/);
    first.model.source = `secret text ${MARKER}`;
    await first.session.flush();
    first.close();
    await grantBob('vault');
    // Bob has no key yet: he waits (told once) until a lead opens the space and its client shares the key.
    const waiting: string[] = [];
    const joining = open(bob, 'vault', undefined, { keyWaitMs: 10_000, onWaitingForKey: (m) => waiting.push(m) });
    await waitFor(() => waiting.length > 0, 'Bob is told he waits for the key');
    const lead = await open(fixture.admin, 'vault');
    const b = await joining;
    assert.equal(waiting.length, 1, JSON.stringify(waiting));
    assert.match(waiting[0]!, /waiting for a lead to share the key/);
    assert.equal(b.room.document, lead.room.document, 'both resolved the name to the same opaque id');
    assert.equal(b.model.source, `secret text ${MARKER}`);
    b.model.source = 'Bob was here';
    await waitFor(() => lead.model.source === 'Bob was here', 'the lead sees Bob');
    const listed = await withChannel(bob, 'vault', (c) => listDocuments(c, bob));
    assert.deepEqual(
      listed.map((d) => [d.name, d.id]),
      [[NAME, lead.room.document]],
    );
    // Presence is bound to its verified author, whatever the sender claims (the relay cannot stamp it).
    lead.model.awareness.setLocalStateField('user', { name: 'Claims to be Bob', publicKey: bob.publicKey });
    const leadSeenByBob = (): Record<string, unknown> | undefined =>
      [...b.model.awareness.getStates().values()]
        .map((state) => state['user'] as Record<string, unknown> | undefined)
        .find((user) => user?.['name'] === 'Claims to be Bob');
    await waitFor(() => leadSeenByBob() !== undefined, "Bob sees the lead's presence");
    assert.equal(leadSeenByBob()!['publicKey'], fixture.admin.publicKey);
    const tampered: string[] = [];
    b.session.on('tampered', (m) => tampered.push(m));
    await b.session.flush();
    assert.deepEqual(tampered, []);
    assert.ok(wire.urls.length >= 4 && wire.frames.length > 10, 'the wire was recorded');
    assert.equal(wire.saw(MARKER), false, 'the real name and the content never reached the relay in clear');
    for (const url of wire.urls) {
      const path = new URL(url).pathname.slice(1);
      assert.ok(path === 'vault' || /^vault\/s-[A-Za-z0-9_-]{22}$/.test(path), path);
    }
  });

  it('sealed: a missing document is not found without naming it; without waiting, no key is NoKeyYet', async () => {
    await sealedSpace('vault');
    await assert.rejects(
      open(fixture.admin, 'vault'),
      (error: unknown) => error instanceof RequestError && error.code === 'not-found',
    );
    await assert.rejects(open(bob, 'vault', 'draft'), /waiting for a lead to share the key of space vault/);
    assert.equal(wire.saw(MARKER), false);
    assert.deepEqual(
      wire.urls.map((u) => new URL(u).pathname),
      ['/vault', '/vault'],
      'neither reached a document room',
    );
  });

  it('sealed: a member revoked and granted again, with no keys kept, is wrapped again and reads it all', async () => {
    await sealedSpace('vault');
    const lead = await open(fixture.admin, 'vault', 'draft');
    lead.model.source = 'epoch one';
    const b = await open(bob, 'vault', undefined, { keyWaitMs: 10_000 });
    await waitFor(() => b.model.source === 'epoch one', 'Bob reads epoch 1');
    // Revoke rotates to epoch 2 (wrapped to the lead only); Bob's session is cut off and his keys forgotten.
    await withChannel(fixture.admin, 'vault', async (c) => {
      const keys = new SpaceKeys('vault', fixture.admin);
      await keys.rotate((r) => c.request(r), [fixture.admin.publicKey], bob.publicKey);
      keys.destroy();
    });
    await waitFor(() => b.connection.status === 'denied', 'Bob is cut off');
    lead.model.source = 'epoch two';
    await lead.session.flush();
    await grantBob('vault');
    // A fresh open (an empty key cache): the lead's open document wraps every epoch for him again.
    const again = await open(bob, 'vault', undefined, { keyWaitMs: 10_000 });
    await waitFor(() => again.model.source === 'epoch two', 'Bob reads what was written under epoch 2');
  });

  async function withChannel<T>(who: Identity, space: string, work: (c: EnclaveConnection) => Promise<T>): Promise<T> {
    const channel = connect(fixture.url, who, { space });
    try {
      await channel.whenWelcomed();
      return await work(channel);
    } finally {
      channel.close();
    }
  }
});
