/**
 * The Enclave Spaces view: relays, the person's spaces (from the relay's spaces.mine, and added by hand),
 * documents (open, new), members with roles, a lead's requests and invites.
 */
import * as vscode from 'vscode';
import { EnclaveConnection, type Identity } from '@enclave/shared';
import type { BrowseNode } from '../../src/browse/spaces-view.js';
import * as assert from './support/assert.js';
import { testEnvironment } from './support/environment.js';
import { enclave, leaveAll, useIdentity } from './support/extension.js';
import { eventually } from './support/poll.js';
import { DraftPeer, NotebookPeer } from './support/peer.js';
import { createSpace, newIdentity, uniqueName, webSocket } from './support/space.js';

async function children(node?: BrowseNode): Promise<BrowseNode[]> {
  const api = await enclave();
  return (await api.spaces.getChildren(node)) ?? [];
}

async function labels(node: BrowseNode): Promise<string[]> {
  const api = await enclave();
  return Promise.all(
    (await children(node)).map(async (child) => {
      const item = await api.spaces.getTreeItem(child);
      const label = typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
      return item.description ? `${label} — ${String(item.description)}` : label;
    }),
  );
}

async function spaceNode(relay: string, space: string): Promise<BrowseNode> {
  const relayNode = (await children()).find((n) => n.kind === 'relay' && n.relay.url === relay);
  assert.ok(relayNode, 'the relay is listed');
  const found = (await children(relayNode)).find((n) => n.kind === 'space' && n.space === space);
  assert.ok(found, `the space ${space} is listed under its relay`);
  return found;
}

async function section(space: BrowseNode, title: string): Promise<BrowseNode> {
  const api = await enclave();
  for (const node of await children(space)) {
    const item = await api.spaces.getTreeItem(node);
    if (item.label === title) return node;
  }
  throw new Error(`no section "${title}"`);
}

/** A control channel to `space` as `identity`, for the test's own set-up. */
async function channel(identity: Identity, space: string, extra = {}): Promise<EnclaveConnection> {
  const { relay } = await testEnvironment();
  const connection = new EnclaveConnection({
    relayUrl: relay,
    room: { space },
    identity,
    WebSocket: webSocket(),
    reconnect: false,
    ...extra,
  }).connect();
  return connection;
}

describe('the Enclave Spaces view', () => {
  afterEach(async () => {
    const tabs = vscode.window.tabGroups.all
      .flatMap((group) => group.tabs)
      .filter((tab) => (tab.input as { uri?: vscode.Uri } | undefined)?.uri?.scheme === 'enclave');
    for (const notebook of vscode.workspace.notebookDocuments)
      if (notebook.uri.scheme === 'enclave' && notebook.isDirty) {
        await notebook.save();
      }
    await vscode.window.tabGroups.close(tabs);
    await leaveAll();
  });

  it("lists the person's spaces on a configured relay from spaces.mine, beside one added by hand", async () => {
    const { relay } = await testEnvironment();
    const me = await newIdentity('Member Person');
    const led = await createSpace([{ identity: me, role: 'lead' }]);
    const edited = await createSpace([{ identity: me, role: 'editor' }]);
    const notMine = await createSpace([]);
    const config = vscode.workspace.getConfiguration('enclave');
    const saved = config.inspect('relays')?.workspaceValue;
    await config.update('relays', [{ name: 'mine-test', url: relay }], vscode.ConfigurationTarget.Workspace);
    try {
      await useIdentity(me);
      await vscode.commands.executeCommand('enclave.addSpace', { relay, space: notMine });
      await vscode.commands.executeCommand('enclave.refreshSpaces');
      const relayNode = (await children()).find((n) => n.kind === 'relay' && n.relay.url === relay);
      assert.ok(relayNode, 'the configured relay is listed');
      const shown = await labels(relayNode);
      assert.ok(shown.includes(`${led} — lead`), shown.join(', '));
      assert.ok(shown.includes(`${edited} — editor`), shown.join(', '));
      assert.ok(shown.includes(notMine), `the space added by hand stays: ${shown.join(', ')}`);
      assert.strictEqual(shown.filter((l) => l.startsWith(led)).length, 1, 'each space once');
    } finally {
      await vscode.workspace.getConfiguration('enclave').update('relays', saved, vscode.ConfigurationTarget.Workspace);
    }
  });

  it('lists relays, spaces, documents and members with roles; a document opens from it', async () => {
    const { relay } = await testEnvironment();
    const me = await newIdentity('Viewer Person');
    const other = await newIdentity('Editor Person');
    const space = await createSpace([
      { identity: me, role: 'viewer' },
      { identity: other, role: 'editor' },
    ]);
    const notebookName = uniqueName('nb') + '.ipynb';
    const draftName = uniqueName('notes') + '.md';
    const notebookPeer = await NotebookPeer.join(other, space, notebookName, true);
    const draftPeer = await DraftPeer.join(other, space, draftName, true);
    notebookPeer.leave();
    draftPeer.leave();
    await useIdentity(me);
    assert.strictEqual(await vscode.commands.executeCommand('enclave.addSpace', { relay, space }), true);
    await vscode.commands.executeCommand('enclave.refreshSpaces');

    const node = await spaceNode(relay, space);
    assert.deepStrictEqual(await labels(node), ['Documents', 'Members'], 'a viewer sees no lead sections');
    const documents = await section(node, 'Documents');
    assert.deepStrictEqual(
      (await labels(documents)).sort(),
      [`${draftName} — draft`, `${notebookName} — notebook`].sort(),
    );
    const members = await labels(await section(node, 'Members'));
    assert.ok(
      members.some((m) => /^Viewer Person \(.+\) — viewer · you$/.test(m)),
      members.join(', '),
    );
    assert.ok(
      members.some((m) => /^Editor Person \(.+\) — editor$/.test(m)),
      members.join(', '),
    );

    // Clicking a document runs its item's command: it opens as the shared enclave: file.
    const api = await enclave();
    const notebookItem = (await children(documents)).find(
      (n) => n.kind === 'document' && n.document.name === notebookName,
    );
    assert.ok(notebookItem);
    const command = (await api.spaces.getTreeItem(notebookItem)).command;
    assert.ok(command, 'a document item opens on click');
    const uri = await vscode.commands.executeCommand<string>(command.command, ...(command.arguments ?? []));
    assert.match(uri, /^enclave:/);
    assert.ok(vscode.workspace.notebookDocuments.some((nb) => nb.uri.toString() === uri));
    const opened = vscode.workspace.notebookDocuments.find((nb) => nb.uri.toString() === uri);
    assert.ok(opened);
    // A viewer's editor settles (VS Code's ipynb support rewrites an empty notebook's metadata once).
    await (await enclave()).sessions.forNotebook(opened)?.whenIdle();
  });

  it('for a lead: pending requests and open invites; New creates and opens a draft', async () => {
    const { relay } = await testEnvironment();
    const lead = await newIdentity('Lead Person');
    const stranger = await newIdentity('Stranger');
    const space = await createSpace([{ identity: lead, role: 'lead' }]);
    const control = await channel(lead, space);
    await control.whenWelcomed();
    const { invite } = await control.request({ op: 'invites.create', role: 'viewer', expiresInSeconds: 3600 });
    control.close();
    const asking = await channel(stranger, space, { accessRequest: { name: 'Stranger', message: 'may I join?' } });
    try {
      await useIdentity(lead);
      await vscode.commands.executeCommand('enclave.addSpace', { relay, space });
      await vscode.commands.executeCommand('enclave.refreshSpaces');
      const node = await spaceNode(relay, space);
      await eventually(async () => {
        await vscode.commands.executeCommand('enclave.refreshSpaces');
        const requests = await labels(await section(node, 'Pending access requests'));
        assert.ok(
          requests.some((r) => /^Stranger \(.+\) — may I join\?$/.test(r)),
          requests.join(', '),
        );
      });
      const invites = await labels(await section(node, 'Open invites'));
      assert.ok(
        invites.some((i) => i.startsWith(`viewer invite ${invite.id}`)),
        invites.join(', '),
      );

      const name = uniqueName('fresh') + '.md';
      const uri = await vscode.commands.executeCommand<string>('enclave.newDocument', {
        relay,
        space,
        document: name,
        kind: 'draft',
      });
      assert.match(uri, /^enclave:/);
      const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri);
      assert.ok(document, 'the new draft is open');
      assert.strictEqual(document.getText(), '');
      const documents = await labels(await section(node, 'Documents'));
      assert.deepStrictEqual(documents, [`${name} — draft`]);
    } finally {
      asking.close();
    }
  });
});
