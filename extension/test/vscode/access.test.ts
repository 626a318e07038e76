import * as vscode from 'vscode';
import { EnclaveConnection } from '@enclave/shared';
import * as assert from './support/assert.js';
import { testEnvironment } from './support/environment.js';
import { enclave, leaveAll, openSharedNotebook, useIdentity } from './support/extension.js';
import { eventually } from './support/poll.js';
import { NotebookPeer } from './support/peer.js';
import { createSpace, newIdentity, uniqueName, webSocket } from './support/space.js';

describe('access control as VS Code sees it', () => {
  afterEach(leaveAll);

  it('an identity not on the access list gets no content', async () => {
    const member = await newIdentity('Member');
    const outsider = await newIdentity('Outsider');
    const space = await createSpace([{ identity: member, role: 'editor' }]);
    const document = uniqueName('secret') + '.ipynb';
    const peer = await NotebookPeer.join(member, space, document, true);
    try {
      await peer.write({
        nbformat: 4,
        nbformat_minor: 5,
        metadata: {},
        cells: [{ id: 's', cell_type: 'markdown', source: 'top secret', metadata: {} }],
      });
      await useIdentity(outsider);
      const before = vscode.workspace.notebookDocuments.length;
      const { relay } = await testEnvironment();
      await assert.rejects(
        Promise.resolve(vscode.commands.executeCommand('enclave.open', { relay, space, document })),
        /access denied|forbidden/i,
      );
      assert.strictEqual(vscode.workspace.notebookDocuments.length, before, 'no notebook was opened');
      for (const nb of vscode.workspace.notebookDocuments) {
        for (const cell of nb.getCells()) assert.ok(!cell.document.getText().includes('top secret'));
      }
      // The refusal says whose key and which space, and offers what helps (shared's text).
      const help = (await enclave()).refusals().find((h) => h.message.includes(`"${space}"`));
      assert.ok(help, 'a refusal notification naming the space is shown');
      assert.match(
        help.message,
        new RegExp(`^Enclave: Access denied to ${space}\\. .*your key [0-9a-f]{4}-.* \\(Outsider`),
      );
      assert.deepStrictEqual(help.actions, ['Request Access', 'Copy My Key']);
    } finally {
      peer.leave();
    }
  });

  it("a viewer's edit never reaches the peer and is undone", async () => {
    const viewer = await newIdentity('Viewer');
    const editor = await newIdentity('Editor');
    const space = await createSpace([
      { identity: viewer, role: 'viewer' },
      { identity: editor, role: 'editor' },
    ]);
    const document = uniqueName('readonly') + '.ipynb';
    const peer = await NotebookPeer.join(editor, space, document, true);
    try {
      await peer.write({
        nbformat: 4,
        nbformat_minor: 5,
        metadata: {},
        cells: [{ id: 'r', cell_type: 'code', source: 'original', metadata: {}, execution_count: null, outputs: [] }],
      });
      await useIdentity(viewer);
      const notebook = await openSharedNotebook(space, document);
      let received = 0;
      peer.notebook.ydoc.on('update', (_update: Uint8Array, origin: unknown) => {
        if (origin === peer.session) received++;
      });
      const edit = new vscode.WorkspaceEdit();
      edit.insert(notebook.cellAt(0).document.uri, new vscode.Position(0, 0), 'hacked ');
      await vscode.workspace.applyEdit(edit);
      const cells = new vscode.WorkspaceEdit();
      cells.set(notebook.uri, [
        vscode.NotebookEdit.insertCells(1, [
          new vscode.NotebookCellData(vscode.NotebookCellKind.Code, 'added', 'python'),
        ]),
      ]);
      await vscode.workspace.applyEdit(cells);
      await eventually(() => {
        assert.strictEqual(notebook.cellCount, 1);
        assert.strictEqual(notebook.cellAt(0).document.getText(), 'original');
      });
      // Absence can only be checked by waiting: give a stray update time to arrive.
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.strictEqual(received, 0, 'the peer received nothing from the viewer');
      assert.deepStrictEqual(
        peer.notebook.cells.map((c) => c.source),
        ['original'],
      );
      // A later edit from the peer still arrives: the viewer's connection is alive.
      peer.notebook.cells[0]!.ysource.insert(8, '!');
      await eventually(() => assert.strictEqual(notebook.cellAt(0).document.getText(), 'original!'));
    } finally {
      peer.leave();
    }
  });

  it('a member a lead removes while the notebook is open gets a read-only stale copy, and is told', async () => {
    const member = await newIdentity('Removed');
    const editor = await newIdentity('Stays');
    const space = await createSpace([
      { identity: member, role: 'editor' },
      { identity: editor, role: 'editor' },
    ]);
    const document = uniqueName('removed') + '.ipynb';
    const peer = await NotebookPeer.join(editor, space, document, true);
    const { relay, admin } = await testEnvironment();
    const lead = new EnclaveConnection({
      relayUrl: relay,
      room: { space },
      identity: admin,
      WebSocket: webSocket(),
      reconnect: false,
    }).connect();
    try {
      await peer.write({
        nbformat: 4,
        nbformat_minor: 5,
        metadata: {},
        cells: [{ id: 'k', cell_type: 'code', source: 'kept', metadata: {}, execution_count: null, outputs: [] }],
      });
      await useIdentity(member);
      const notebook = await openSharedNotebook(space, document);
      const api = await enclave();
      const session = api.sessions.all().find((s) => s.editorUri.toString() === notebook.uri.toString());
      assert.ok(session, 'the notebook has a session');
      await lead.whenWelcomed();
      await lead.request({ op: 'members.revoke', publicKey: member.publicKey });

      await eventually(() => assert.ok(session.removed, 'the session knows it was removed'));
      assert.match(api.statusText(), /Removed · access revoked/);
      const notice = await eventually(() => {
        const shown = api.removals().find((r) => r.message.includes(document));
        assert.ok(shown, 'a warning naming the document is shown');
        return shown;
      });
      assert.match(notice.message, /no longer shared.*stale copy/);
      assert.deepStrictEqual(notice.actions, ['Save a Local Copy As…']);

      let received = 0;
      peer.notebook.ydoc.on('update', (_update: Uint8Array, origin: unknown) => {
        if (origin === peer.session) received++;
      });
      const edit = new vscode.WorkspaceEdit();
      edit.insert(notebook.cellAt(0).document.uri, new vscode.Position(0, 0), 'after removal ');
      await vscode.workspace.applyEdit(edit);
      await eventually(() => assert.strictEqual(notebook.cellAt(0).document.getText(), 'kept'));
      // Absence can only be checked by waiting: give a stray update time to arrive.
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.strictEqual(received, 0, 'nothing the removed member typed reached the relay');
      assert.deepStrictEqual(
        peer.notebook.cells.map((c) => c.source),
        ['kept'],
      );
    } finally {
      lead.close();
      peer.leave();
    }
  });
});
