/** Undo and redo in a shared document take back only one's own edits; a collaborator's stay. */
import * as vscode from 'vscode';
import type { Identity, NotebookContent } from '@enclave/shared';
import * as assert from './support/assert.js';
import { applyAsUser } from './support/edit.js';
import { testEnvironment } from './support/environment.js';
import { leaveAll, openSharedNotebook, useIdentity } from './support/extension.js';
import { eventually } from './support/poll.js';
import { DraftPeer, NotebookPeer } from './support/peer.js';
import { createSpace, newIdentity, uniqueName } from './support/space.js';

const STARTER: NotebookContent = {
  nbformat: 4,
  nbformat_minor: 5,
  metadata: { language_info: { name: 'python' } },
  cells: [
    { id: 'u1', cell_type: 'markdown', source: '# Notes', metadata: {} },
    { id: 'u2', cell_type: 'code', source: 'x = 1', metadata: {}, execution_count: null, outputs: [] },
  ],
};

function texts(notebook: vscode.NotebookDocument): string[] {
  return notebook.getCells().map((cell) => cell.document.getText());
}

function peerTexts(peer: NotebookPeer): string[] {
  return peer.notebook.cells.map((cell) => cell.source);
}

async function undo(): Promise<void> {
  assert.strictEqual(await vscode.commands.executeCommand('enclave.undo'), true, 'there was an own edit to undo');
}

async function redo(): Promise<void> {
  assert.strictEqual(await vscode.commands.executeCommand('enclave.redo'), true, 'there was an undone edit to redo');
}

describe('undo and redo of only your own edits', () => {
  let me: Identity;
  let other: Identity;
  let space: string;

  beforeEach(async () => {
    me = await newIdentity('VS Code User');
    other = await newIdentity('Peer');
    space = await createSpace([
      { identity: me, role: 'editor' },
      { identity: other, role: 'editor' },
    ]);
    await useIdentity(me);
  });

  afterEach(leaveAll);

  it('in a draft: A types, B types, A undoes: only A’s edit goes, B’s stays; redo brings A’s back', async () => {
    const name = uniqueName('undo') + '.md';
    const peer = await DraftPeer.join(other, space, name, true);
    try {
      peer.file.source = 'shared text\n';
      await peer.session.flush();
      const { relay } = await testEnvironment();
      const uri = await vscode.commands.executeCommand<string>('enclave.open', { relay, space, document: name });
      const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri);
      assert.ok(document, 'the draft is open');
      await vscode.window.showTextDocument(document);

      await applyAsUser((edit) => edit.insert(document.uri, new vscode.Position(0, 0), 'mine: '));
      await eventually(() => assert.strictEqual(peer.file.source, 'mine: shared text\n'));
      peer.file.ysource.insert(peer.file.ysource.length, 'theirs\n');
      await eventually(() => assert.strictEqual(document.getText(), 'mine: shared text\ntheirs\n'));

      await undo();
      assert.strictEqual(document.getText(), 'shared text\ntheirs\n', 'only my edit is undone in the editor');
      await eventually(() => assert.strictEqual(peer.file.source, 'shared text\ntheirs\n'));
      assert.strictEqual(
        await vscode.commands.executeCommand('enclave.undo'),
        false,
        'the collaborator’s edit is not on my undo stack',
      );
      assert.strictEqual(document.getText(), 'shared text\ntheirs\n');

      await redo();
      assert.strictEqual(document.getText(), 'mine: shared text\ntheirs\n');
      await eventually(() => assert.strictEqual(peer.file.source, 'mine: shared text\ntheirs\n'));
    } finally {
      peer.leave();
    }
  });

  it('in a notebook: my cell edit and inserted cell are undone and redone, the peer’s edit stays', async () => {
    const name = uniqueName('undo') + '.ipynb';
    const peer = await NotebookPeer.join(other, space, name, true);
    try {
      await peer.write(STARTER);
      const notebook = await openSharedNotebook(space, name);
      await vscode.window.showNotebookDocument(notebook);

      await applyAsUser((edit) => edit.insert(notebook.cellAt(1).document.uri, new vscode.Position(0, 5), '0'));
      await eventually(() => assert.deepStrictEqual(peerTexts(peer), ['# Notes', 'x = 10']));
      peer.notebook.cells[0]!.ysource.insert(7, ' (peer)');
      await eventually(() => assert.deepStrictEqual(texts(notebook), ['# Notes (peer)', 'x = 10']));

      await undo();
      assert.deepStrictEqual(texts(notebook), ['# Notes (peer)', 'x = 1']);
      await eventually(() => assert.deepStrictEqual(peerTexts(peer), ['# Notes (peer)', 'x = 1']));
      await redo();
      assert.deepStrictEqual(texts(notebook), ['# Notes (peer)', 'x = 10']);

      const insert = new vscode.WorkspaceEdit();
      insert.set(notebook.uri, [
        vscode.NotebookEdit.insertCells(2, [
          new vscode.NotebookCellData(vscode.NotebookCellKind.Code, 'y = 2', 'python'),
        ]),
      ]);
      assert.ok(await vscode.workspace.applyEdit(insert));
      await eventually(() => assert.deepStrictEqual(peerTexts(peer), ['# Notes (peer)', 'x = 10', 'y = 2']));
      await undo();
      assert.deepStrictEqual(texts(notebook), ['# Notes (peer)', 'x = 10']);
      await eventually(() => assert.deepStrictEqual(peerTexts(peer), ['# Notes (peer)', 'x = 10']));
      await redo();
      assert.deepStrictEqual(texts(notebook), ['# Notes (peer)', 'x = 10', 'y = 2']);
      await eventually(() => assert.deepStrictEqual(peerTexts(peer), ['# Notes (peer)', 'x = 10', 'y = 2']));
    } finally {
      peer.leave();
    }
  });
});
