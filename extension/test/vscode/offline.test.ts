import * as vscode from 'vscode';
import * as assert from './support/assert.js';
import { enclave, leaveAll, openSharedNotebook, useIdentity } from './support/extension.js';
import { eventually } from './support/poll.js';
import { NotebookPeer } from './support/peer.js';
import { relay } from './support/relay-control.js';
import { createSpace, newIdentity, uniqueName } from './support/space.js';

describe('working offline', () => {
  afterEach(async () => {
    await relay('start');
    await leaveAll();
  });

  it('keeps edits made while the relay is down and merges them when it is back', async function () {
    this.timeout(90_000);
    const me = await newIdentity('VS Code User');
    const other = await newIdentity('Peer');
    const space = await createSpace([
      { identity: me, role: 'editor' },
      { identity: other, role: 'editor' },
    ]);
    const document = uniqueName('offline') + '.ipynb';
    const peer = await NotebookPeer.join(other, space, document, true);
    try {
      await peer.write({
        nbformat: 4,
        nbformat_minor: 5,
        metadata: {},
        cells: [{ id: 'o', cell_type: 'code', source: 'base', metadata: {}, execution_count: null, outputs: [] }],
      });
      await useIdentity(me);
      const notebook = await openSharedNotebook(space, document);
      const api = await enclave();

      await relay('stop');
      await eventually(() => assert.match(api.statusText(), /offline/), 15_000);
      const edit = new vscode.WorkspaceEdit();
      edit.insert(notebook.cellAt(0).document.uri, new vscode.Position(0, 4), ' + vscode');
      assert.ok(await vscode.workspace.applyEdit(edit));
      peer.notebook.insertCell(0, { cell_type: 'markdown', source: 'peer, offline too', metadata: {} });

      await relay('start');
      await eventually(() => {
        assert.deepStrictEqual(
          notebook.getCells().map((c) => c.document.getText()),
          ['peer, offline too', 'base + vscode'],
        );
        assert.deepStrictEqual(
          peer.notebook.cells.map((c) => c.source),
          ['peer, offline too', 'base + vscode'],
        );
      }, 45_000);
      await eventually(() => assert.match(api.statusText(), /people|person/), 15_000);
    } finally {
      peer.leave();
    }
  });
});
