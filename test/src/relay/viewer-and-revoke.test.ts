/**
 * Roles take effect on the live path: a viewer's edit reaches neither storage nor peers (and the viewer is
 * told why); a role change applies at once; a revoke closes the member's live connection and nothing more
 * reaches them.
 */
import assert from 'node:assert/strict';
import * as Y from 'yjs';
import { CloseCode, generateIdentity, type Identity, type NoticeMessage } from '@enclave/shared';
import { SqliteStorage } from '@enclave/relay';
import { join } from 'node:path';
import { connect, createSpace, openDocument, type RelayFixture, startRelay } from '../support/relay-fixture.js';
import { delay, waitFor } from '../support/wait.js';

describe('roles on the live path', () => {
  let fixture: RelayFixture;
  let editor: Identity;
  let viewer: Identity;

  beforeEach(async () => {
    fixture = await startRelay();
    editor = await generateIdentity('Editor');
    viewer = await generateIdentity('Viewer');
    await createSpace(fixture.url, fixture.admin, 'team', [
      { identity: editor, role: 'editor' },
      { identity: viewer, role: 'viewer' },
    ]);
  });
  afterEach(async () => fixture.close());

  it("drops a viewer's edit: not forwarded, not stored, and the viewer is told why", async () => {
    const room = { space: 'team', document: 'draft.md' };
    const writer = await openDocument(fixture.url, editor, room, { create: 'draft' });
    writer.doc.getText('source').insert(0, 'agreed text');
    await writer.session.flush();
    const reader = await openDocument(fixture.url, viewer, room);
    const notices: NoticeMessage[] = [];
    reader.connection.on('notice', (n) => notices.push(n));
    assert.equal(reader.doc.getText('source').toString(), 'agreed text', 'the viewer reads');

    reader.doc.getText('source').insert(0, 'VANDALISM ');
    await waitFor(() => notices.length > 0, 'read-only notice');
    assert.equal(notices[0]!.code, 'read-only');
    await reader.session.flush().catch(() => undefined);
    writer.doc.getText('source').insert(11, '.');
    await writer.session.flush();
    await delay(100);
    assert.equal(writer.doc.getText('source').toString(), 'agreed text.', 'the peer never saw the edit');

    // A fresh reader and the storage itself hold no trace of it.
    const fresh = await openDocument(fixture.url, editor, room);
    assert.equal(fresh.doc.getText('source').toString(), 'agreed text.');
    writer.close();
    reader.close();
    fresh.close();
    await fixture.relay.close();
    const storage = new SqliteStorage(join(fixture.dataDir, 'enclave.sqlite'));
    const stored = await storage.loadDocument('team', 'draft.md');
    const rebuilt = new Y.Doc();
    if (stored.snapshot) Y.applyUpdate(rebuilt, stored.snapshot);
    stored.updates.forEach((u) => Y.applyUpdate(rebuilt, u));
    assert.equal(rebuilt.getText('source').toString(), 'agreed text.');
    await storage.close();
  });

  it('a viewer cannot create documents', async () => {
    const connection = connect(fixture.url, viewer, { space: 'team', document: 'new.md' });
    await assert.rejects(connection.request({ op: 'document.create', kind: 'draft' }), /viewers cannot create/);
    connection.destroy();
  });

  it('a role change applies to the open connection at once', async () => {
    const room = { space: 'team', document: 'doc.md' };
    const writer = await openDocument(fixture.url, editor, room, { create: 'draft' });
    const promoted = await openDocument(fixture.url, viewer, room);
    const roles: string[] = [];
    promoted.connection.on('role-changed', (role) => roles.push(role));
    const lead = connect(fixture.url, fixture.admin, { space: 'team' });
    await lead.request({ op: 'members.grant', publicKey: viewer.publicKey, role: 'editor' });
    await waitFor(() => roles.includes('editor'), 'role-changed reaches the member');
    promoted.doc.getText('source').insert(0, 'now I may write');
    await waitFor(() => writer.doc.getText('source').toString() === 'now I may write', 'the edit is forwarded');
    lead.destroy();
    writer.close();
    promoted.close();
  });

  it('a revoke closes the live connection with 4409, and later edits do not reach the revoked member', async () => {
    const room = { space: 'team', document: 'plan.md' };
    const writer = await openDocument(fixture.url, editor, room, { create: 'draft' });
    const target = await openDocument(fixture.url, viewer, room);
    const spaceChannel = connect(fixture.url, viewer, { space: 'team' });
    await spaceChannel.whenWelcomed();
    writer.doc.getText('source').insert(0, 'before ');
    await waitFor(() => target.doc.getText('source').toString() === 'before ', 'sync before revoke');

    const lead = connect(fixture.url, fixture.admin, { space: 'team' });
    await lead.request({ op: 'members.revoke', publicKey: viewer.publicKey });
    await waitFor(() => target.connection.status === 'denied', 'document connection cut');
    await waitFor(() => spaceChannel.status === 'denied', 'space channel cut');
    assert.equal(target.connection.lastClose?.code, CloseCode.AccessRevoked);
    assert.equal(spaceChannel.lastClose?.code, CloseCode.AccessRevoked);

    writer.doc.getText('source').insert(7, 'after');
    await writer.session.flush();
    await delay(100);
    assert.equal(target.doc.getText('source').toString(), 'before ', 'nothing after the revoke');
    lead.destroy();
    writer.close();
    target.close();
    spaceChannel.destroy();
  });
});
