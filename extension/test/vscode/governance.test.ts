/**
 * Issue 6 in VS Code: invites, access requests, agreements and the audit log, each end to end against the
 * real relay, with the other side played by a headless peer on the shared client library.
 */
import * as vscode from 'vscode';
import {
  EnclaveConnection,
  formatLink,
  type Identity,
  type NotebookContent,
  type WelcomeMessage,
} from '@enclave/shared';
import * as assert from './support/assert.js';
import { testEnvironment } from './support/environment.js';
import { enclave, leaveAll, openSharedNotebook, useIdentity } from './support/extension.js';
import { NotebookPeer } from './support/peer.js';
import { eventually } from './support/poll.js';
import { createSpace, newIdentity, uniqueName, webSocket } from './support/space.js';

/** A space led by `lead`, with one notebook holding `secret` (unique to the space, so tests cannot mix them). */
async function ledSpace(lead: Identity): Promise<{ space: string; document: string; secret: string }> {
  const space = await createSpace([{ identity: lead, role: 'lead' }]);
  const document = uniqueName('paper') + '.ipynb';
  const secret = `unpublished result of ${space}`;
  const content: NotebookContent = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: [{ id: 'g', cell_type: 'markdown', source: secret, metadata: {} }],
  };
  const peer = await NotebookPeer.join(lead, space, document, true);
  try {
    await peer.write(content);
  } finally {
    peer.leave();
  }
  return { space, document, secret };
}

/** A headless space channel (the lead peer, an invitee or a requester). */
async function channel(
  identity: Identity,
  space: string,
  extra: { invite?: string; accessRequest?: { name: string; message: string } } = {},
): Promise<EnclaveConnection> {
  const { relay } = await testEnvironment();
  return new EnclaveConnection({
    relayUrl: relay,
    room: { space },
    identity,
    WebSocket: webSocket(),
    reconnect: false,
    ...extra,
  }).connect();
}

async function asLead<T>(lead: Identity, space: string, action: (c: EnclaveConnection) => Promise<T>): Promise<T> {
  const connection = await channel(lead, space);
  try {
    await connection.whenWelcomed();
    return await action(connection);
  } finally {
    connection.close();
  }
}

function notebookOf(uri: unknown): vscode.NotebookDocument {
  const notebook = vscode.workspace.notebookDocuments.find((nb) => nb.uri.toString() === uri);
  if (!notebook) throw new Error(`no notebook ${String(uri)}`);
  return notebook;
}

function assertNoSecretShown(secret: string): void {
  for (const nb of vscode.workspace.notebookDocuments) {
    for (const cell of nb.getCells()) assert.ok(!cell.document.getText().includes(secret), 'no content was shown');
  }
}

async function memberKeys(lead: Identity, space: string): Promise<string[]> {
  return asLead(lead, space, async (c) => (await c.request({ op: 'members.list' })).members.map((m) => m.publicKey));
}

describe('governance: invites, requests, agreements, audit', () => {
  afterEach(leaveAll);

  it('joins with an invite a peer lead created, opens a document, and the used invite admits nobody else', async () => {
    const { relay } = await testEnvironment();
    const lead = await newIdentity('Lead');
    const { space, document, secret } = await ledSpace(lead);
    const { token } = await asLead(lead, space, (c) =>
      c.request({ op: 'invites.create', role: 'editor', expiresInSeconds: 3600 }),
    );
    const link = formatLink({ kind: 'join', relay, space, token }, `${vscode.env.uriScheme}://enclave.enclave-vscode/`);
    const invitee = await newIdentity('Invitee');
    await useIdentity(invitee);
    const joined = await vscode.commands.executeCommand<{ role: string; documents: string[]; opened: string }>(
      'enclave.joinInvite',
      { link, document },
    );
    assert.strictEqual(joined.role, 'editor');
    assert.deepStrictEqual(joined.documents, [document]);
    await eventually(() => assert.strictEqual(notebookOf(joined.opened).cellAt(0).document.getText(), secret));
    assert.ok((await memberKeys(lead, space)).includes(invitee.publicKey));

    const second = await newIdentity('Second');
    await useIdentity(second);
    const before = vscode.workspace.notebookDocuments.length;
    await assert.rejects(
      Promise.resolve(vscode.commands.executeCommand('enclave.joinInvite', { link, document })),
      /invite already used/,
    );
    assert.strictEqual(vscode.workspace.notebookDocuments.length, before);
    assert.ok(!(await memberKeys(lead, space)).includes(second.publicKey), 'the second key was not added');
  });

  it('an expired invite, or one a lead revoked from VS Code, admits nobody, and says so', async () => {
    const { relay } = await testEnvironment();
    const lead = await newIdentity('Lead');
    const { space, document, secret } = await ledSpace(lead);
    const { token } = await asLead(lead, space, (c) =>
      c.request({ op: 'invites.create', role: 'editor', expiresInSeconds: 1 }),
    );
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const late = await newIdentity('Late');
    await useIdentity(late);
    const before = vscode.workspace.notebookDocuments.length;
    await assert.rejects(
      Promise.resolve(
        vscode.commands.executeCommand('enclave.joinInvite', {
          link: formatLink({ kind: 'join', relay, space, token }),
          document,
        }),
      ),
      /invite expired/,
    );
    assert.strictEqual(vscode.workspace.notebookDocuments.length, before);
    assertNoSecretShown(secret);
    assert.ok(!(await memberKeys(lead, space)).includes(late.publicKey));

    await useIdentity(lead);
    const created = await vscode.commands.executeCommand<{ invite: { id: string }; links: { enclave: string } }>(
      'enclave.createInvite',
      { relay, space, role: 'viewer', expires: '1h' },
    );
    const revoked = await vscode.commands.executeCommand<{ status: string }>('enclave.invites', {
      relay,
      space,
      action: 'revoke',
      id: created.invite.id,
    });
    assert.strictEqual(revoked.status, 'revoked');
    await useIdentity(late);
    await assert.rejects(
      Promise.resolve(vscode.commands.executeCommand('enclave.joinInvite', { link: created.links.enclave, document })),
      /invite revoked/,
    );
    assert.strictEqual(vscode.workspace.notebookDocuments.length, before);
    assert.ok(!(await memberKeys(lead, space)).includes(late.publicKey));
  });

  it('a request from VS Code approved by a lead gets in without reconnecting by hand', async () => {
    const { relay } = await testEnvironment();
    const lead = await newIdentity('Lead');
    const { space, document, secret } = await ledSpace(lead);
    const requester = await newIdentity('Requester');
    await useIdentity(requester);
    const outcome = Promise.resolve(
      vscode.commands.executeCommand<{ outcome: string; role: string; opened: string }>('enclave.requestAccess', {
        relay,
        space,
        message: 'I review for the workshop',
        document,
      }),
    );
    await asLead(lead, space, async (c) => {
      const request = await eventually(async () => {
        const { requests } = await c.request({ op: 'requests.list', status: 'pending' });
        const found = requests.find((r) => r.publicKey === requester.publicKey);
        assert.ok(found, 'the request reached the lead');
        return found;
      });
      assert.strictEqual(request.message, 'I review for the workshop');
      await c.request({ op: 'requests.approve', id: request.id, role: 'viewer' });
    });
    const result = await outcome;
    assert.strictEqual(result.outcome, 'approved');
    assert.strictEqual(result.role, 'viewer');
    await eventually(() => assert.strictEqual(notebookOf(result.opened).cellAt(0).document.getText(), secret));
  });

  it('a denied requester gets no content', async () => {
    const { relay } = await testEnvironment();
    const lead = await newIdentity('Lead');
    const { space, document, secret } = await ledSpace(lead);
    const requester = await newIdentity('Denied');
    await useIdentity(requester);
    const before = vscode.workspace.notebookDocuments.length;
    const outcome = Promise.resolve(
      vscode.commands.executeCommand<{ outcome: string; reason: string }>('enclave.requestAccess', {
        relay,
        space,
        message: 'let me in',
        document,
      }),
    );
    await asLead(lead, space, async (c) => {
      const request = await eventually(async () => {
        const { requests } = await c.request({ op: 'requests.list', status: 'pending' });
        const found = requests.find((r) => r.publicKey === requester.publicKey);
        assert.ok(found);
        return found;
      });
      await c.request({ op: 'requests.deny', id: request.id });
    });
    const result = await outcome;
    assert.strictEqual(result.outcome, 'refused');
    assert.match(result.reason, /denied/);
    assert.strictEqual(vscode.workspace.notebookDocuments.length, before, 'no notebook was opened');
    assertNoSecretShown(secret);
    assert.ok(!(await memberKeys(lead, space)).includes(requester.publicKey));
  });

  it("a lead with a document open sees a peer's request live and approves it; the waiting peer is admitted", async () => {
    const { relay } = await testEnvironment();
    const lead = await newIdentity('Lead');
    const { space, document } = await ledSpace(lead);
    await useIdentity(lead);
    const api = await enclave();
    await openSharedNotebook(space, document);
    const peer = await newIdentity('Peer');
    const waiting = await channel(peer, space, { accessRequest: { name: 'Peer', message: 'hello' } });
    try {
      const admitted: Promise<WelcomeMessage> = waiting.whenWelcomed();
      const seen = await eventually(() => {
        const found = api.accessRequests().find((r) => r.publicKey === peer.publicKey && r.space === space);
        assert.ok(found, 'the request appeared live in VS Code');
        return found;
      });
      assert.strictEqual(seen.message, 'hello');
      await vscode.commands.executeCommand('enclave.accessRequests', {
        relay,
        space,
        action: 'approve',
        id: seen.id,
        role: 'editor',
      });
      assert.strictEqual((await admitted).role, 'editor');
      await eventually(() => assert.ok(!api.accessRequests().some((r) => r.id === seen.id), 'resolved'));
      const pending = await vscode.commands.executeCommand<unknown[]>('enclave.accessRequests', {
        relay,
        space,
        action: 'list',
      });
      assert.strictEqual(pending.length, 0);
    } finally {
      waiting.close();
    }
    // Leaving the last document of the space stops the watch.
    await leaveAll();
    await eventually(() => assert.ok(!api.accessRequests().some((r) => r.space === space)));
  });

  it('"Watch Access Requests" works without a document open, and only for leads', async () => {
    const { relay } = await testEnvironment();
    const lead = await newIdentity('Lead');
    const editor = await newIdentity('Editor');
    const { space } = await ledSpace(lead);
    await asLead(lead, space, (c) =>
      c.request({ op: 'members.grant', publicKey: editor.publicKey, role: 'editor', name: 'Editor' }),
    );
    const api = await enclave();
    await useIdentity(editor);
    assert.strictEqual(await vscode.commands.executeCommand('enclave.watchRequests', { relay, space }), false);
    await useIdentity(lead);
    assert.strictEqual(await vscode.commands.executeCommand('enclave.watchRequests', { relay, space }), true);
    const peer = await newIdentity('Peer');
    const waiting = await channel(peer, space, { accessRequest: { name: 'Peer', message: 'hi' } });
    try {
      const seen = await eventually(() => {
        const found = api.accessRequests().find((r) => r.publicKey === peer.publicKey);
        assert.ok(found);
        return found;
      });
      await vscode.commands.executeCommand('enclave.accessRequests', { relay, space, action: 'deny', id: seen.id });
      await assert.rejects(waiting.whenWelcomed(), /denied/);
    } finally {
      waiting.close();
      await vscode.commands.executeCommand('enclave.watchRequests', { relay, space, stop: true });
    }
  });

  it('an agreement set from VS Code is signed before any notebook content appears; declining shows nothing', async () => {
    const { relay } = await testEnvironment();
    const lead = await newIdentity('Lead');
    const member = await newIdentity('Member');
    const refuser = await newIdentity('Refuser');
    const { space, document, secret } = await ledSpace(lead);
    await asLead(lead, space, async (c) => {
      await c.request({ op: 'members.grant', publicKey: member.publicKey, role: 'editor', name: 'Member' });
      await c.request({ op: 'members.grant', publicKey: refuser.publicKey, role: 'editor', name: 'Refuser' });
    });
    const text = `I will not use this for capabilities work without the authors' permission (${uniqueName('v')}).`;
    await useIdentity(lead);
    const set = await vscode.commands.executeCommand<{ version: number }>('enclave.setAgreement', {
      relay,
      space,
      text,
    });
    assert.strictEqual(set.version, 1);
    const api = await enclave();

    await useIdentity(member);
    const before = vscode.workspace.notebookDocuments.length;
    const opening = Promise.resolve(vscode.commands.executeCommand<string>('enclave.open', { relay, space, document }));
    const prompt = await eventually(() => {
      const [found] = api.pendingAgreements();
      assert.ok(found, 'the agreement is shown');
      return found;
    });
    assert.strictEqual(prompt.agreement.text, text);
    const shown = vscode.workspace.textDocuments.find((d) => d.uri.toString() === prompt.uri);
    assert.ok(shown?.getText().includes(text), 'the text is in a read-only editor');
    assert.strictEqual(vscode.workspace.notebookDocuments.length, before, 'no notebook exists before signing');
    assertNoSecretShown(secret);
    assert.strictEqual(await vscode.commands.executeCommand('enclave.signAgreement'), true);
    const uri = await opening;
    await eventually(() => assert.strictEqual(notebookOf(uri).cellAt(0).document.getText(), secret));

    // One window shows one enclave: file per document: the member leaves before the refuser opens it.
    await leaveAll();
    await useIdentity(refuser);
    const count = vscode.workspace.notebookDocuments.length;
    const refused = Promise.resolve(vscode.commands.executeCommand('enclave.open', { relay, space, document }));
    await eventually(() => assert.strictEqual(api.pendingAgreements().length, 1));
    assert.strictEqual(await vscode.commands.executeCommand('enclave.declineAgreement'), true);
    await assert.rejects(refused, /did not sign the agreement/);
    assert.strictEqual(vscode.workspace.notebookDocuments.length, count);

    // The lead's own channel meets the agreement too (a lead signs like everyone), then sees who signed.
    await leaveAll();
    await useIdentity(lead);
    const listing = Promise.resolve(
      vscode.commands.executeCommand<{ publicKey: string; version: number }[]>('enclave.agreementSignatures', {
        relay,
        space,
        show: false,
      }),
    );
    await eventually(() => assert.strictEqual(api.pendingAgreements().length, 1));
    await vscode.commands.executeCommand('enclave.signAgreement');
    const signers = (await listing).map((s) => s.publicKey);
    assert.ok(signers.includes(member.publicKey), 'the member signed');
    assert.ok(!signers.includes(refuser.publicKey), 'the refuser did not');
  });

  it('a changed agreement (set from a file) must be signed again by a member with the document open', async () => {
    const { relay, workspace } = await testEnvironment();
    const lead = await newIdentity('Lead');
    const member = await newIdentity('Member');
    const { space, document, secret } = await ledSpace(lead);
    await asLead(lead, space, async (c) => {
      await c.request({ op: 'members.grant', publicKey: member.publicKey, role: 'editor', name: 'Member' });
      await c.request({ op: 'agreement.set', text: 'first text' });
    });
    const api = await enclave();
    await useIdentity(member);
    const opening = Promise.resolve(vscode.commands.executeCommand<string>('enclave.open', { relay, space, document }));
    await eventually(() => assert.strictEqual(api.pendingAgreements()[0]?.agreement.version, 1));
    await vscode.commands.executeCommand('enclave.signAgreement');
    const notebook = notebookOf(await opening);
    await eventually(() => assert.strictEqual(notebook.cellAt(0).document.getText(), secret));

    // The lead, in VS Code, sets a new text from a file (signing the current one on the way, as leads do too).
    const file = vscode.Uri.joinPath(workspace, `${uniqueName('agreement')}.md`);
    await vscode.workspace.fs.writeFile(file, new TextEncoder().encode('second text'));
    await useIdentity(lead);
    const setting = Promise.resolve(
      vscode.commands.executeCommand<{ version: number }>('enclave.setAgreement', {
        relay,
        space,
        file: file.toString(),
      }),
    );
    await eventually(() => assert.strictEqual(api.pendingAgreements()[0]?.agreement.text, 'first text'));
    await vscode.commands.executeCommand('enclave.signAgreement');
    assert.strictEqual((await setting).version, 2);

    // The member's open session is closed by the relay (4451) and meets version 2 when it reconnects.
    const session = api.sessions.all().find((s) => s.address.space === space);
    assert.ok(session, 'the member still has the document open');
    const prompt = await eventually(() => {
      const found = api.pendingAgreements().find((p) => p.agreement.version === 2);
      assert.ok(found, 'the new version is shown');
      return found;
    });
    assert.strictEqual(prompt.agreement.text, 'second text');
    assert.ok(session.connection.welcome?.agreement, 'content is held back until the member signs again');
    assert.strictEqual(await vscode.commands.executeCommand('enclave.signAgreement', prompt.uri), true);
    await eventually(() => {
      assert.strictEqual(session.connection.status, 'connected');
      assert.strictEqual(session.connection.welcome?.agreement, null);
      assert.ok(session.sync.synced);
    });
    assert.strictEqual(notebook.cellAt(0).document.getText(), secret);
    await leaveAll();

    const listing = Promise.resolve(
      vscode.commands.executeCommand<{ publicKey: string; version: number }[]>('enclave.agreementSignatures', {
        relay,
        space,
        show: false,
      }),
    );
    await eventually(() => assert.strictEqual(api.pendingAgreements()[0]?.agreement.version, 2));
    await vscode.commands.executeCommand('enclave.signAgreement');
    const signed = (await listing).filter((s) => s.publicKey === member.publicKey).map((s) => s.version);
    assert.deepStrictEqual(signed.sort(), [1, 2]);
  });

  it('exports the audit log as JSON lines holding the events that happened', async () => {
    const { relay, workspace } = await testEnvironment();
    const lead = await newIdentity('Lead');
    const { space } = await ledSpace(lead);
    const { token } = await asLead(lead, space, (c) =>
      c.request({ op: 'invites.create', role: 'viewer', expiresInSeconds: 600 }),
    );
    const invitee = await newIdentity('Invitee');
    const joined = await channel(invitee, space, { invite: token });
    await joined.whenWelcomed();
    joined.close();
    const asker = await newIdentity('Asker');
    const asking = await channel(asker, space, { accessRequest: { name: 'Asker', message: 'hi' } });
    await asLead(lead, space, async (c) => {
      const request = await eventually(async () => {
        const found = (await c.request({ op: 'requests.list', status: 'pending' })).requests[0];
        assert.ok(found);
        return found;
      });
      await c.request({ op: 'requests.deny', id: request.id });
    });
    asking.close();

    await useIdentity(lead);
    const file = vscode.Uri.joinPath(workspace, `${uniqueName('audit')}.jsonl`).toString();
    const written = await vscode.commands.executeCommand<string>('enclave.exportAuditLog', { relay, space, file });
    assert.strictEqual(written, file);
    const lines = new TextDecoder()
      .decode(await vscode.workspace.fs.readFile(vscode.Uri.parse(file)))
      .trimEnd()
      .split('\n')
      .map(
        (line) =>
          JSON.parse(line) as {
            seq: number;
            event: string;
            actor: string | null;
            subject?: string;
            actorName?: string;
          },
      );
    const events = lines.map((l) => l.event);
    for (const expected of [
      'space-created',
      'granted',
      'invite-created',
      'invite-used',
      'access-requested',
      'request-denied',
    ]) {
      assert.ok(events.includes(expected), `${expected} is in the export: ${events.join(', ')}`);
    }
    assert.ok(
      lines.some(
        (l) => l.event === 'invite-used' && (l.actor === invitee.publicKey || l.subject === invitee.publicKey),
      ),
    );
    assert.ok(
      lines.some((l) => l.event === 'invite-used' && l.actorName === 'Invitee'),
      'the invitee is named as they chose',
    );
    assert.deepStrictEqual(
      lines.map((l) => l.seq),
      [...lines.map((l) => l.seq)].sort((a, b) => a - b),
      'oldest first',
    );
    const shown = await vscode.commands.executeCommand<unknown[]>('enclave.auditLog', { relay, space, show: false });
    assert.ok(shown.length >= lines.length);
  });
});
