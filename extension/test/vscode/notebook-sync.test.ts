import * as assert from './support/assert.js';
import * as vscode from 'vscode';
import type { Identity, NotebookContent } from '@enclave/shared';
import { applyAsUser } from './support/edit.js';
import { enclave, leaveAll, openSharedNotebook, useIdentity } from './support/extension.js';
import { eventually } from './support/poll.js';
import { NotebookPeer } from './support/peer.js';
import { createSpace, newIdentity, uniqueName } from './support/space.js';

const STARTER: NotebookContent = {
  nbformat: 4,
  nbformat_minor: 5,
  metadata: { language_info: { name: 'python' } },
  cells: [
    { id: 'a1', cell_type: 'markdown', source: '# Shared', metadata: {} },
    { id: 'a2', cell_type: 'code', source: 'x = 1', metadata: {}, execution_count: null, outputs: [] },
  ],
};

function texts(notebook: vscode.NotebookDocument): string[] {
  return notebook.getCells().map((cell) => cell.document.getText());
}

function peerTexts(peer: NotebookPeer): string[] {
  return peer.notebook.cells.map((cell) => cell.source);
}

describe('a shared notebook in VS Code', () => {
  let me: Identity;
  let peer: NotebookPeer;
  let notebook: vscode.NotebookDocument;

  beforeEach(async () => {
    me = await newIdentity('VS Code User');
    const other = await newIdentity('Peer');
    const space = await createSpace([
      { identity: me, role: 'editor' },
      { identity: other, role: 'editor' },
    ]);
    const document = uniqueName('nb') + '.ipynb';
    peer = await NotebookPeer.join(other, space, document, true);
    await peer.write(STARTER);
    await useIdentity(me);
    notebook = await openSharedNotebook(space, document);
  });

  afterEach(async () => {
    await leaveAll();
    peer.leave();
  });

  it('opens with the content the peer wrote', () => {
    assert.deepStrictEqual(texts(notebook), ['# Shared', 'x = 1']);
    assert.strictEqual(notebook.cellAt(0).kind, vscode.NotebookCellKind.Markup);
  });

  it("shows a peer's insert, character edit, move and delete", async () => {
    peer.notebook.insertCell(2, { cell_type: 'code', source: 'print(x)', metadata: {} });
    await eventually(() => assert.deepStrictEqual(texts(notebook), ['# Shared', 'x = 1', 'print(x)']));
    peer.notebook.cells[1]!.ysource.insert(5, '0');
    await eventually(() => assert.deepStrictEqual(texts(notebook), ['# Shared', 'x = 10', 'print(x)']));
    peer.notebook.moveCell(2, 0);
    await eventually(() => assert.deepStrictEqual(texts(notebook), ['print(x)', '# Shared', 'x = 10']));
    peer.notebook.deleteCell(1);
    await eventually(() => assert.deepStrictEqual(texts(notebook), ['print(x)', 'x = 10']));
  });

  it('sends VS Code edits (WorkspaceEdit/NotebookEdit) to the peer', async () => {
    const edit = new vscode.WorkspaceEdit();
    edit.set(notebook.uri, [
      vscode.NotebookEdit.insertCells(2, [
        new vscode.NotebookCellData(vscode.NotebookCellKind.Code, 'y = 2', 'python'),
      ]),
    ]);
    assert.ok(await vscode.workspace.applyEdit(edit));
    await eventually(() => assert.deepStrictEqual(peerTexts(peer), ['# Shared', 'x = 1', 'y = 2']));
    const text = new vscode.WorkspaceEdit();
    text.insert(notebook.cellAt(1).document.uri, new vscode.Position(0, 5), '23');
    assert.ok(await vscode.workspace.applyEdit(text));
    await eventually(() => assert.deepStrictEqual(peerTexts(peer), ['# Shared', 'x = 123', 'y = 2']));
    const remove = new vscode.WorkspaceEdit();
    remove.set(notebook.uri, [vscode.NotebookEdit.deleteCells(new vscode.NotebookRange(0, 1))]);
    assert.ok(await vscode.workspace.applyEdit(remove));
    await eventually(() => assert.deepStrictEqual(peerTexts(peer), ['x = 123', 'y = 2']));
  });

  it('shows the session in the status bar', async () => {
    const api = await enclave();
    // The peer's presence reaches VS Code only at the peer's next awareness renewal (about 15 s) with
    // the relay as it is now; see the closing note. Hence the long wait.
    await eventually(() => assert.match(api.statusText(), /Enclave: 2 people/), 30_000);
  });
});

describe('a shared notebook: metadata, outputs and concurrency', () => {
  let peer: NotebookPeer;
  let notebook: vscode.NotebookDocument;

  beforeEach(async () => {
    const me = await newIdentity('VS Code User');
    const other = await newIdentity('Peer');
    const space = await createSpace([
      { identity: me, role: 'editor' },
      { identity: other, role: 'editor' },
    ]);
    const document = uniqueName('nb') + '.ipynb';
    peer = await NotebookPeer.join(other, space, document, true);
    await peer.write(STARTER);
    await useIdentity(me);
    notebook = await openSharedNotebook(space, document);
  });

  afterEach(async () => {
    await leaveAll();
    peer.leave();
  });

  it("shows a peer's cell metadata, notebook metadata, outputs and execution count", async () => {
    const code = peer.notebook.cells[1]!;
    if (code.cell_type !== 'code') throw new Error('cell 1 is code');
    code.setMetadata({ tags: ['shared'] });
    await eventually(() => assert.deepStrictEqual(notebook.cellAt(1).metadata['metadata'], { tags: ['shared'] }));
    peer.notebook.setMetadata({ ...peer.notebook.getMetadata(), reviewed: true });
    await eventually(() =>
      assert.strictEqual((notebook.metadata['metadata'] as Record<string, unknown>)['reviewed'], true),
    );
    const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
    peer.notebook.transact(() => {
      code.setOutputs([
        { output_type: 'stream', name: 'stdout', text: 'hello\n' },
        { output_type: 'display_data', data: { 'image/png': png, 'text/html': '<b>hi</b>' }, metadata: {} },
        { output_type: 'execute_result', data: { 'text/plain': '10' }, metadata: {}, execution_count: 4 },
        { output_type: 'error', ename: 'ValueError', evalue: 'bad', traceback: ['trace'] },
      ]);
      code.execution_count = 4;
    });
    await eventually(() => {
      const cell = notebook.cellAt(1);
      assert.strictEqual(cell.outputs.length, 4);
      assert.strictEqual(cell.executionSummary?.executionOrder, 4);
      assert.deepStrictEqual(cell.outputs[1]!.items.map((item) => item.mime).sort(), ['image/png', 'text/html']);
      assert.strictEqual(new TextDecoder().decode(cell.outputs[0]!.items[0]!.data), 'hello\n');
    });
  });

  it('sends cell metadata and outputs set in VS Code to the peer', async () => {
    const cell = notebook.cellAt(1);
    const edit = new vscode.WorkspaceEdit();
    edit.set(notebook.uri, [
      vscode.NotebookEdit.updateCellMetadata(1, { ...cell.metadata, metadata: { tags: ['from-vscode'] } }),
    ]);
    assert.ok(await vscode.workspace.applyEdit(edit));
    await eventually(() => assert.deepStrictEqual(peer.notebook.cells[1]!.getMetadata(), { tags: ['from-vscode'] }));
    const meta = new vscode.WorkspaceEdit();
    meta.set(notebook.uri, [
      vscode.NotebookEdit.updateNotebookMetadata({ ...notebook.metadata, metadata: { edited: 'yes' } }),
    ]);
    assert.ok(await vscode.workspace.applyEdit(meta));
    await eventually(() => assert.deepStrictEqual(peer.notebook.getMetadata(), { edited: 'yes' }));
  });

  it('converges when both sides type in the same cell at once', async () => {
    const cell = notebook.cellAt(1);
    const ytext = peer.notebook.cells[1]!.ysource;
    for (let i = 0; i < 20; i++) {
      const applied = applyAsUser((edit) =>
        edit.insert(cell.document.uri, cell.document.positionAt(cell.document.getText().length), `v${i}`),
      );
      ytext.insert(0, `p${i}`);
      await applied;
    }
    await eventually(() => {
      const local = cell.document.getText();
      assert.strictEqual(local, ytext.toString());
      for (let i = 0; i < 20; i++) {
        assert.ok(local.includes(`v${i}`), `VS Code's v${i} survived`);
        assert.ok(local.includes(`p${i}`), `the peer's p${i} survived`);
      }
    });
  });
});
