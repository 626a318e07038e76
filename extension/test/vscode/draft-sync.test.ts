import * as vscode from 'vscode';
import * as assert from './support/assert.js';
import { testEnvironment } from './support/environment.js';
import { leaveAll, useIdentity } from './support/extension.js';
import { eventually } from './support/poll.js';
import { DraftPeer } from './support/peer.js';
import { createSpace, newIdentity, uniqueName } from './support/space.js';

describe('a shared draft in VS Code', () => {
  let peer: DraftPeer;
  let document: vscode.TextDocument;

  beforeEach(async () => {
    const me = await newIdentity('VS Code User');
    const other = await newIdentity('Peer');
    const space = await createSpace([
      { identity: me, role: 'editor' },
      { identity: other, role: 'editor' },
    ]);
    const name = uniqueName('notes') + '.md';
    peer = await DraftPeer.join(other, space, name, true);
    peer.file.source = 'Héllo\r\nworld 中文\r\n';
    await peer.session.flush();
    await useIdentity(me);
    const { relay } = await testEnvironment();
    const uri = await vscode.commands.executeCommand<string>('enclave.open', { relay, space, document: name });
    const found = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri);
    if (!found) throw new Error(`no text document ${uri}`);
    document = found;
  });

  afterEach(async () => {
    await leaveAll();
    peer.leave();
  });

  it('opens with the exact text, CRLF line ends and non-ASCII included', () => {
    assert.strictEqual(document.getText(), 'Héllo\r\nworld 中文\r\n');
    assert.strictEqual(document.languageId, 'markdown');
  });

  it('carries edits both ways and merges concurrent typing', async () => {
    peer.file.ysource.insert(0, '# ');
    await eventually(() => assert.strictEqual(document.getText(), '# Héllo\r\nworld 中文\r\n'));
    const edit = new vscode.WorkspaceEdit();
    edit.insert(document.uri, document.positionAt(document.getText().length), 'from VS Code');
    assert.ok(await vscode.workspace.applyEdit(edit));
    await eventually(() => assert.strictEqual(peer.file.source, '# Héllo\r\nworld 中文\r\nfrom VS Code'));
    for (let i = 0; i < 10; i++) {
      const typing = new vscode.WorkspaceEdit();
      typing.insert(document.uri, new vscode.Position(0, 0), `v${i}`);
      const applied = vscode.workspace.applyEdit(typing);
      peer.file.ysource.insert(peer.file.ysource.length, `p${i}`);
      await applied;
    }
    await eventually(() => {
      assert.strictEqual(document.getText(), peer.file.source);
      for (let i = 0; i < 10; i++) assert.ok(document.getText().includes(`p${i}`));
    });
  });
});
