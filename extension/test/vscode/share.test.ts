import * as vscode from 'vscode';
import { normalizeNotebook, parseIpynb } from '@enclave/shared';
import * as assert from './support/assert.js';
import { testEnvironment } from './support/environment.js';
import { enclave, leaveAll, useIdentity } from './support/extension.js';
import { eventually } from './support/poll.js';
import { NotebookPeer } from './support/peer.js';
import { createSpace, newIdentity, uniqueName } from './support/space.js';

describe('sharing a notebook from VS Code', () => {
  afterEach(leaveAll);

  it('shares the active notebook into a new document, which a peer then reads and edits live', async () => {
    const me = await newIdentity('Sharer');
    const other = await newIdentity('Peer');
    const space = await createSpace([
      { identity: me, role: 'editor' },
      { identity: other, role: 'editor' },
    ]);
    const { relay, workspace } = await testEnvironment();
    const file = vscode.Uri.joinPath(workspace, 'fixtures', 'Main_Demo.ipynb');
    const original = parseIpynb(new TextDecoder().decode(await vscode.workspace.fs.readFile(file)));
    const notebook = await vscode.workspace.openNotebookDocument(file);
    await vscode.window.showNotebookDocument(notebook);
    await useIdentity(me);
    const document = uniqueName('shared') + '.ipynb';
    const uri = await vscode.commands.executeCommand<string>('enclave.share', { relay, space, document });
    assert.strictEqual(uri, notebook.uri.toString(), 'the open notebook itself is shared');

    const peer = await NotebookPeer.join(other, space, document);
    try {
      const strip = (content: typeof original): unknown =>
        (normalizeNotebook(content) as { cells: { source: unknown; cell_type: unknown }[] }).cells.map((c) => [
          c.cell_type,
          c.source,
        ]);
      // On a cluster the peer's relay may load the document before the sharer's relay has stored all of it;
      // the rest then arrives live.
      await eventually(() => assert.deepStrictEqual(strip(peer.content()), strip(original)), 30_000);
      peer.notebook.cells[0]!.ysource.insert(0, 'LIVE ');
      await eventually(() => assert.ok(notebook.cellAt(0).document.getText().startsWith('LIVE ')));

      const link = await vscode.commands.executeCommand<string>('enclave.copyLink');
      assert.match(link, new RegExp(`space=${space}&document=${document.replace('.', '\\.')}`));
      const api = await enclave();
      assert.strictEqual(api.sessions.all().length, 1);
    } finally {
      peer.leave();
    }
  });
});
