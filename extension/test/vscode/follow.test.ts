import * as vscode from 'vscode';
import type * as Y from 'yjs';
import { CURSORS_FIELD, cursorJson, type Identity, type ResolvedCursor } from '@enclave/shared';
import * as assert from './support/assert.js';
import { testEnvironment } from './support/environment.js';
import { enclave, leaveAll, openSharedNotebook, useIdentity } from './support/extension.js';
import { eventually } from './support/poll.js';
import { DraftPeer, NotebookPeer } from './support/peer.js';
import { createSpace, newIdentity, uniqueName } from './support/space.js';

/** Long cells, so that following has to scroll the notebook to reach the last one. */
const CELLS = ['first', 'second', 'third'].map((name) => ({
  id: `cell-${name}`,
  cell_type: 'code' as const,
  source: Array.from({ length: 30 }, (_, line) => `${name}_${line} = ${line}`).join('\n'),
  metadata: {},
  execution_count: null,
  outputs: [],
}));

describe('following a participant', () => {
  let me: Identity;
  let other: Identity;
  let space: string;

  beforeEach(async () => {
    me = await newIdentity('VS Code User');
    other = await newIdentity('Ada Peer');
    space = await createSpace([
      { identity: me, role: 'editor' },
      { identity: other, role: 'editor' },
    ]);
    await useIdentity(me);
  });

  afterEach(async () => {
    await vscode.commands.executeCommand('enclave.stopFollowing');
    await leaveAll();
  });

  /** A shared notebook the peer wrote, open in VS Code's notebook editor. */
  async function openNotebook(): Promise<{ peer: NotebookPeer; editor: vscode.NotebookEditor }> {
    const document = uniqueName('follow') + '.ipynb';
    const peer = await NotebookPeer.join(other, space, document, true);
    await peer.write({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: CELLS });
    const notebook = await openSharedNotebook(space, document);
    const editor = await vscode.window.showNotebookDocument(notebook);
    editor.selections = [new vscode.NotebookRange(0, 1)];
    return { peer, editor };
  }

  /** The peer puts its cursor at `offset` in cell `index`; resolves once VS Code has seen it. */
  async function peerMovesTo(peer: NotebookPeer, index: number, offset: number): Promise<void> {
    const text = peer.notebook.getCell(index).ysource;
    peer.notebook.awareness.setLocalStateField(CURSORS_FIELD, [cursorJson(text, offset, offset)]);
    const api = await enclave();
    await eventually(() => {
      const seen = api.sessions.all().flatMap((s) => s.others().filter((p) => p.publicKey === other.publicKey));
      const cellOf = (type: ResolvedCursor['type'] | undefined): unknown =>
        (type?.parent as Y.Map<unknown> | null)?.get('id');
      assert.ok(seen.some((p) => p.cursors[0]?.anchor === offset && cellOf(p.cursors[0].type) === CELLS[index]!.id));
    }, 30_000);
  }

  function showsCell(editor: vscode.NotebookEditor, index: number): void {
    assert.deepStrictEqual([editor.selection.start, editor.selection.end], [index, index + 1], 'the cell is selected');
    assert.ok(
      editor.visibleRanges.some((range) => range.start <= index && index < range.end),
      `cell ${index} is visible (${JSON.stringify(editor.visibleRanges)})`,
    );
  }

  it("jumps to the peer's cell, keeps up as they move, and stops when the user types", async () => {
    const { peer, editor } = await openNotebook();
    try {
      await peerMovesTo(peer, 2, 'third_0 = 0\nthird_1'.length);
      await vscode.commands.executeCommand('enclave.follow', { publicKey: other.publicKey });
      const api = await enclave();
      assert.strictEqual(api.following()?.name, 'Ada Peer');
      await eventually(() => showsCell(editor, 2), 30_000);
      // The place in the cell is revealed in the cell's own editor.
      await eventually(() => {
        const cellEditor = vscode.window.visibleTextEditors.find(
          (e) => e.document === editor.notebook.cellAt(2).document,
        );
        assert.ok(cellEditor?.visibleRanges.some((range) => range.contains(new vscode.Position(1, 0))));
      }, 30_000);

      assert.strictEqual(api.following()?.name, 'Ada Peer', 'still following after the first jump');
      await peerMovesTo(peer, 1, 4);
      await eventually(() => showsCell(editor, 1), 30_000);
      assert.strictEqual(api.following()?.name, 'Ada Peer', 'still following after the second move');

      // The user's own typing (in the cell they are shown) stops following.
      await vscode.window.showTextDocument(editor.notebook.cellAt(1).document);
      await vscode.commands.executeCommand('type', { text: 'x' });
      await eventually(() => assert.strictEqual(api.following(), undefined), 30_000);
      assert.strictEqual(api.followMessage(), 'Stopped following Ada Peer');
      await peerMovesTo(peer, 0, 2);
      showsCell(editor, 1);
    } finally {
      peer.leave();
    }
  });

  it('stops when the user selects another cell, and when the followed person leaves', async () => {
    const { peer, editor } = await openNotebook();
    let left = false;
    try {
      await peerMovesTo(peer, 1, 0);
      await vscode.commands.executeCommand('enclave.follow', { publicKey: other.publicKey });
      await eventually(() => showsCell(editor, 1), 30_000);
      const api = await enclave();
      editor.selections = [new vscode.NotebookRange(2, 3)];
      await eventually(() => assert.strictEqual(api.following(), undefined), 30_000);
      await peerMovesTo(peer, 0, 0);
      assert.deepStrictEqual([editor.selection.start, editor.selection.end], [2, 3], 'the chosen cell stays selected');

      await vscode.commands.executeCommand('enclave.follow', { publicKey: other.publicKey });
      await eventually(() => showsCell(editor, 0), 30_000);
      left = true;
      peer.leave();
      await eventually(() => assert.strictEqual(api.following(), undefined), 30_000);
      assert.match(api.followMessage() ?? '', /^Stopped following Ada Peer: they left /);
    } finally {
      if (!left) peer.leave();
    }
  });

  it('reveals the place the peer is at in a draft', async () => {
    const name = uniqueName('follow') + '.md';
    const peer = await DraftPeer.join(other, space, name, true);
    try {
      peer.file.source = Array.from({ length: 300 }, (_, line) => `line ${line}`).join('\n');
      await peer.session.flush();
      const { relay } = await testEnvironment();
      const uri = await vscode.commands.executeCommand<string>('enclave.open', { relay, space, document: name });
      const document = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri);
      assert.ok(document);
      const offset = document.offsetAt(new vscode.Position(250, 2));
      peer.file.awareness.setLocalStateField(CURSORS_FIELD, [cursorJson(peer.file.ysource, offset, offset + 3)]);
      const api = await enclave();
      await eventually(
        () => assert.ok(api.sessions.all().some((s) => s.others().some((p) => p.cursors.length > 0))),
        30_000,
      );
      await vscode.commands.executeCommand('enclave.follow', { publicKey: other.publicKey });
      await eventually(() => {
        const editor = vscode.window.visibleTextEditors.find((e) => e.document === document);
        assert.ok(editor?.visibleRanges.some((range) => range.contains(new vscode.Position(250, 2))));
      }, 30_000);
      assert.strictEqual(api.following()?.name, 'Ada Peer');
    } finally {
      peer.leave();
    }
  });
});
