import * as vscode from 'vscode';
import { CURSORS_FIELD, cursorJson, resolveCursors } from '@enclave/shared';
import * as assert from './support/assert.js';
import { enclave, leaveAll, openSharedNotebook, useIdentity } from './support/extension.js';
import { eventually } from './support/poll.js';
import { NotebookPeer } from './support/peer.js';
import { createSpace, newIdentity, uniqueName } from './support/space.js';

describe('presence in a shared notebook', () => {
  afterEach(leaveAll);

  it("publishes VS Code's cursor and draws the peer's, with the name the relay stamped", async () => {
    const me = await newIdentity('VS Code User');
    const other = await newIdentity('Ada Peer');
    const space = await createSpace([
      { identity: me, role: 'editor' },
      { identity: other, role: 'editor' },
    ]);
    const document = uniqueName('presence') + '.ipynb';
    const peer = await NotebookPeer.join(other, space, document, true);
    try {
      await peer.write({
        nbformat: 4,
        nbformat_minor: 5,
        metadata: {},
        cells: [
          {
            id: 'cell-one',
            cell_type: 'code',
            source: 'alpha = 1\nbeta = 2',
            metadata: {},
            execution_count: null,
            outputs: [],
          },
        ],
      });
      await useIdentity(me);
      const notebook = await openSharedNotebook(space, document);
      const cell = notebook.cellAt(0);
      const editor = await vscode.window.showTextDocument(cell.document);
      editor.selection = new vscode.Selection(1, 0, 1, 4);
      await eventually(() => {
        const mine = [...peer.notebook.awareness.getStates().values()].find(
          (state) => (state as { user?: { name?: string } }).user?.name === 'VS Code User',
        );
        // Published in the shared (JupyterLab) format: relative positions into the cell's source.
        const [cursor] = resolveCursors(mine ?? {}, peer.notebook.ydoc);
        assert.ok(cursor, 'a cursor is published');
        assert.ok((cursor.type as unknown) === peer.notebook.getCell(0).ysource, 'in the first cell');
        assert.deepStrictEqual([cursor.anchor, cursor.head], [10, 14]);
      }, 30_000);

      peer.notebook.awareness.setLocalStateField(CURSORS_FIELD, [cursorJson(peer.notebook.getCell(0).ysource, 0, 5)]);
      const api = await enclave();
      await eventually(() => {
        const drawn = api.cursors().find((c) => c.name === 'Ada Peer');
        assert.ok(drawn, 'the peer cursor is drawn');
        assert.strictEqual(drawn.document, cell.document.uri.toString());
        assert.deepStrictEqual([drawn.anchor, drawn.head], [0, 5]);
        assert.strictEqual(drawn.label, 'alpha = 1'.length, 'the name is drawn after the line, not into the code');
      }, 30_000);
    } finally {
      peer.leave();
    }
  });
});
