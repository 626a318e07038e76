/**
 * Shared documents are files of the extension's own `enclave:` file system: named tabs, Save that stays in
 * the session, reopening by URI (as recent files and a window reload do).
 */
import * as vscode from 'vscode';
import { type Identity, type NotebookContent, parseIpynb } from '@enclave/shared';
import * as assert from './support/assert.js';
import { applyAsUser } from './support/edit.js';
import { testEnvironment } from './support/environment.js';
import { enclave, leaveAll, useIdentity } from './support/extension.js';
import { eventually } from './support/poll.js';
import { DraftPeer, NotebookPeer } from './support/peer.js';
import { relay } from './support/relay-control.js';
import { createSpace, newIdentity, uniqueName } from './support/space.js';

const STARTER: NotebookContent = {
  nbformat: 4,
  nbformat_minor: 5,
  metadata: { language_info: { name: 'python' } },
  cells: [
    { id: 'c1', cell_type: 'markdown', source: '# Files', metadata: {} },
    { id: 'c2', cell_type: 'code', source: 'x = 1', metadata: {}, execution_count: null, outputs: [] },
  ],
};

function texts(notebook: vscode.NotebookDocument): string[] {
  return notebook.getCells().map((cell) => cell.document.getText());
}

function peerTexts(peer: NotebookPeer): string[] {
  return peer.notebook.cells.map((cell) => cell.source);
}

function tabsOf(uri: vscode.Uri): vscode.Tab[] {
  return vscode.window.tabGroups.all
    .flatMap((group) => group.tabs)
    .filter((tab) => {
      const input = tab.input as { uri?: vscode.Uri } | undefined;
      return input?.uri?.toString() === uri.toString();
    });
}

async function sessionOf(uri: vscode.Uri) {
  const api = await enclave();
  return api.sessions.all().find((s) => s.editorUri.toString() === uri.toString());
}

async function openNotebook(space: string, document: string): Promise<vscode.NotebookDocument> {
  const { relay } = await testEnvironment();
  const uri = await vscode.commands.executeCommand<string | undefined>('enclave.open', { relay, space, document });
  const notebook = vscode.workspace.notebookDocuments.find((nb) => nb.uri.toString() === uri);
  if (!notebook) throw new Error(`no notebook ${String(uri)}`);
  return notebook;
}

function sharedEditors(): (vscode.NotebookDocument | vscode.TextDocument)[] {
  return [...vscode.workspace.notebookDocuments, ...vscode.workspace.textDocuments].filter(
    (editor) => editor.uri.scheme === 'enclave',
  );
}

/**
 * Saves (a flush while the session is live) and closes every `enclave:` tab, so none asks about unsaved
 * changes and no save of this test's documents is still under way when the next test starts.
 */
async function closeSharedTabs(): Promise<void> {
  const api = await enclave();
  // Remote edits received so far are shown and the saves they set off are done: VS Code refuses a second
  // save of a document while the first runs its save participants (Save would answer false).
  for (const session of api.sessions.all()) await session.whenSettled();
  // Only this file's documents, whose sessions are live: an earlier suite's editor whose session ended is
  // not ours to save (its save is refused unless nothing changed) nor to close with unsaved changes.
  const live = new Set(api.sessions.all().map((session) => session.editorUri.toString()));
  const ours = (): (vscode.NotebookDocument | vscode.TextDocument)[] =>
    sharedEditors().filter((editor) => live.has(editor.uri.toString()));
  for (const editor of ours()) if (editor.isDirty) assert.ok(await editor.save(), `saved ${editor.uri.path}`);
  await eventually(() =>
    assert.deepStrictEqual(
      ours().filter((editor) => editor.isDirty),
      [],
    ),
  );
  const closable = new Set(
    sharedEditors()
      .filter((editor) => live.has(editor.uri.toString()) || !editor.isDirty)
      .map((editor) => editor.uri.toString()),
  );
  const tabs = vscode.window.tabGroups.all
    .flatMap((group) => group.tabs)
    .filter((tab) => {
      const uri = (tab.input as { uri?: vscode.Uri } | undefined)?.uri;
      return uri?.scheme === 'enclave' && closable.has(uri.toString());
    });
  await vscode.window.tabGroups.close(tabs);
}

/**
 * VS Code for the web saves every file a second after an edit (`files.autoSave`), which would save my own
 * edit too: these tests turn that off to see what an editor with auto save off (the desktop default) does.
 */
async function withoutAutoSave(test: () => Promise<void>): Promise<void> {
  const files = vscode.workspace.getConfiguration('files');
  const saved = files.inspect<string>('autoSave')?.globalValue;
  await files.update('autoSave', 'off', vscode.ConfigurationTarget.Global);
  try {
    await test();
  } finally {
    await files.update('autoSave', saved, vscode.ConfigurationTarget.Global);
  }
}

/**
 * Two peer edits arrive and are shown while the editor holds my unsaved edit: no save starts (the second
 * edit gives a save the first might have set off time to begin) and the editor stays dirty.
 */
async function stillDirtyAfterPeerEdits(
  editor: vscode.NotebookDocument | vscode.TextDocument,
  session: { whenIdle(): Promise<void> },
  peerEdit: (n: number) => Promise<void>,
): Promise<void> {
  // Each save's reason (1 explicit, 2 auto save after a delay, 3 focus out) tells who saved, should one happen.
  const saves: vscode.TextDocumentSaveReason[] = [];
  const count = (saved: unknown, reason: vscode.TextDocumentSaveReason): void =>
    void (saved === editor && saves.push(reason));
  const subscriptions = [
    vscode.workspace.onWillSaveNotebookDocument((event) => count(event.notebook, event.reason)),
    vscode.workspace.onWillSaveTextDocument((event) => count(event.document, event.reason)),
  ];
  try {
    for (const n of [1, 2]) {
      await peerEdit(n);
      await session.whenIdle();
    }
  } finally {
    for (const subscription of subscriptions) subscription.dispose();
  }
  assert.deepStrictEqual(saves, [], 'nothing saved my unsaved edit for me');
  assert.ok(editor.isDirty, "still dirty after the peer's edits");
}

describe('shared documents as enclave: files', () => {
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

  afterEach(async () => {
    await closeSharedTabs();
    await leaveAll();
  });

  describe('a notebook', () => {
    let peer: NotebookPeer;
    let name: string;
    let notebook: vscode.NotebookDocument;

    beforeEach(async () => {
      name = uniqueName('analysis') + '.ipynb';
      peer = await NotebookPeer.join(other, space, name, true);
      await peer.write(STARTER);
      notebook = await openNotebook(space, name);
    });

    afterEach(() => peer.leave());

    it("opens as its own file: the tab carries the document's name, the path its relay and space", async () => {
      assert.strictEqual(notebook.uri.scheme, 'enclave');
      const segments = notebook.uri.path.split('/').filter(Boolean);
      assert.deepStrictEqual(segments.slice(1), [space, name]);
      assert.match(new URLSearchParams(notebook.uri.query).get('relay') ?? '', /^ws:\/\/(localhost|127\.0\.0\.1):\d+$/);
      assert.strictEqual(notebook.notebookType, 'jupyter-notebook');
      assert.deepStrictEqual(texts(notebook), ['# Files', 'x = 1']);
      const tabs = await eventually(() => {
        const found = tabsOf(notebook.uri);
        assert.strictEqual(found.length, 1, 'one tab shows the shared notebook');
        return found;
      });
      assert.strictEqual(tabs[0]!.label, name);
    });

    it('Save stays in the session: the relay has the edit, the peer sees it, later edits still flow', async () => {
      await applyAsUser((edit) => edit.insert(notebook.cellAt(1).document.uri, new vscode.Position(0, 5), '0'));
      assert.ok(notebook.isDirty, 'an edit makes the notebook dirty');
      assert.ok(await notebook.save(), 'Save succeeds');
      assert.ok(!notebook.isDirty, 'saved');
      await eventually(() => assert.deepStrictEqual(peerTexts(peer), ['# Files', 'x = 10']));
      const session = await sessionOf(notebook.uri);
      assert.ok(session, 'the session is still open after Save');
      assert.strictEqual(session.status, 'connected');
      assert.ok(!notebook.isClosed);
      await applyAsUser((edit) => edit.insert(notebook.cellAt(1).document.uri, new vscode.Position(0, 0), 'y = 2; '));
      await eventually(() => assert.deepStrictEqual(peerTexts(peer), ['# Files', 'y = 2; x = 10']));
      peer.notebook.cells[0]!.ysource.insert(7, '!');
      await eventually(() => assert.deepStrictEqual(texts(notebook), ['# Files!', 'y = 2; x = 10']));
    });

    it('closing ends the session; opening the same URI again (recent files, a reload) brings the live notebook back', async () => {
      const uri = notebook.uri;
      assert.ok(await vscode.window.tabGroups.close(tabsOf(uri)));
      await eventually(async () => assert.strictEqual(await sessionOf(uri), undefined, 'closing ended the session'));
      await eventually(() => assert.ok(notebook.isClosed, 'VS Code closed the notebook'));
      peer.notebook.insertCell(2, { cell_type: 'code', source: 'added while closed', metadata: {} });
      await peer.session.flush();
      // What "File > Open Recent" and a window reload do: open the URI; the file system reconnects on read.
      await vscode.commands.executeCommand('vscode.open', uri);
      const reopened = vscode.workspace.notebookDocuments.find((nb) => nb.uri.toString() === uri.toString());
      assert.ok(reopened, 'the notebook is open again');
      assert.deepStrictEqual(texts(reopened), ['# Files', 'x = 1', 'added while closed']);
      const session = await eventually(async () => {
        const found = await sessionOf(uri);
        assert.ok(found, 'the reopened notebook is bound to a new session');
        return found;
      });
      assert.strictEqual(session.status, 'connected');
      await applyAsUser((edit) => edit.insert(reopened.cellAt(2).document.uri, new vscode.Position(0, 0), '# '));
      await eventually(() => assert.deepStrictEqual(peerTexts(peer), ['# Files', 'x = 1', '# added while closed']));
    });

    it("a peer's edits leave a saved notebook saved; my own unsaved edit keeps it dirty until I save", () =>
      withoutAutoSave(async () => {
        const session = await sessionOf(notebook.uri);
        assert.ok(session);
        assert.ok(!notebook.isDirty, 'a freshly opened notebook is saved');
        peer.notebook.cells[0]!.ysource.insert(7, '!');
        await eventually(() => assert.deepStrictEqual(texts(notebook), ['# Files!', 'x = 1']));
        await eventually(() => assert.ok(!notebook.isDirty, "after a peer's text edit the notebook shows as saved"));
        peer.notebook.insertCell(2, { cell_type: 'code', source: 'from the peer', metadata: {} });
        await eventually(() => assert.deepStrictEqual(texts(notebook), ['# Files!', 'x = 1', 'from the peer']));
        await eventually(() => assert.ok(!notebook.isDirty, "after a peer's new cell the notebook shows as saved"));
        await session.whenSettled(); // the save that peer's edit set off is over before I type

        await applyAsUser((edit) => edit.insert(notebook.cellAt(1).document.uri, new vscode.Position(0, 5), '0'));
        assert.ok(notebook.isDirty, 'my edit makes the notebook dirty');
        await stillDirtyAfterPeerEdits(notebook, session, async (n) => {
          peer.notebook.cells[2]!.ysource.insert(0, `${n}`);
          await eventually(() => assert.strictEqual(notebook.cellAt(2).document.getText().charAt(0), `${n}`));
        });
        assert.ok(await notebook.save(), 'Save succeeds');
        assert.ok(!notebook.isDirty);
        await eventually(() => assert.deepStrictEqual(peerTexts(peer).slice(0, 2), ['# Files!', 'x = 10']));
        peer.notebook.cells[0]!.ysource.insert(0, '#');
        await eventually(() => assert.strictEqual(notebook.cellAt(0).document.getText(), '## Files!'));
        await eventually(() => assert.ok(!notebook.isDirty, "once saved, a peer's edit leaves it saved again"));
      }));

    it('Save As (Save a Local Copy) writes a local file and says so; the session continues', async () => {
      await applyAsUser((edit) => edit.insert(notebook.cellAt(1).document.uri, new vscode.Position(0, 5), '0'));
      const { workspace } = await testEnvironment();
      const target = vscode.Uri.joinPath(workspace, uniqueName('copy') + '.ipynb');
      const written = await vscode.commands.executeCommand<string>('enclave.saveLocalCopy', {
        target: target.toString(),
        quiet: true,
      });
      assert.strictEqual(written, target.toString());
      const copy = parseIpynb(new TextDecoder().decode(await vscode.workspace.fs.readFile(target)));
      assert.deepStrictEqual(
        copy.cells.map((cell) => cell.source),
        ['# Files', 'x = 10'],
        'the copy has the shared content with my edit',
      );
      assert.strictEqual(copy.cells[0]!.id, 'c1', 'cell ids are kept');
      // The editor is still the shared document, bound to the same live session.
      assert.ok(!notebook.isClosed);
      assert.strictEqual(vscode.window.activeNotebookEditor?.notebook.uri.toString(), notebook.uri.toString());
      const session = await sessionOf(notebook.uri);
      assert.ok(session, 'the session continues');
      await eventually(() => assert.deepStrictEqual(peerTexts(peer), ['# Files', 'x = 10']));
      peer.notebook.cells[1]!.ysource.insert(0, '# after the copy\n');
      await eventually(() => assert.deepStrictEqual(texts(notebook), ['# Files', '# after the copy\nx = 10']));
      const again = new TextDecoder().decode(await vscode.workspace.fs.readFile(target));
      assert.ok(!again.includes('after the copy'), 'the local copy is not kept in sync');
      await vscode.workspace.fs.delete(target);
    });
  });

  describe('a draft', () => {
    let peer: DraftPeer;
    let document: vscode.TextDocument;

    beforeEach(async () => {
      const name = uniqueName('notes') + '.md';
      peer = await DraftPeer.join(other, space, name, true);
      peer.file.source = 'first line\n';
      await peer.session.flush();
      const { relay } = await testEnvironment();
      const uri = await vscode.commands.executeCommand<string>('enclave.open', { relay, space, document: name });
      const found = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri);
      if (!found) throw new Error(`no text document ${uri}`);
      document = found;
    });

    afterEach(() => peer.leave());

    it('opens as an enclave: file in its language, and Save stays in the session', async () => {
      assert.strictEqual(document.uri.scheme, 'enclave');
      assert.strictEqual(document.languageId, 'markdown');
      assert.strictEqual(document.getText(), 'first line\n');
      await applyAsUser((edit) => edit.insert(document.uri, new vscode.Position(1, 0), 'second line\n'));
      assert.ok(await document.save(), 'Save succeeds');
      assert.ok(!document.isDirty);
      await eventually(() => assert.strictEqual(peer.file.source, 'first line\nsecond line\n'));
      const session = await sessionOf(document.uri);
      assert.ok(session, 'the session is still open after Save');
      peer.file.ysource.insert(0, '# ');
      await eventually(() => assert.strictEqual(document.getText(), '# first line\nsecond line\n'));
    });

    it("a peer's edit leaves a saved draft saved; my own unsaved edit keeps it dirty until I save", () =>
      withoutAutoSave(async () => {
        const session = await sessionOf(document.uri);
        assert.ok(session);
        assert.ok(!document.isDirty, 'a freshly opened draft is saved');
        peer.file.ysource.insert(0, '# ');
        await eventually(() => assert.strictEqual(document.getText(), '# first line\n'));
        await eventually(() => assert.ok(!document.isDirty, "after a peer's edit the draft shows as saved"));
        await session.whenSettled(); // the save that peer's edit set off is over before I type

        await applyAsUser((edit) => edit.insert(document.uri, new vscode.Position(1, 0), 'mine\n'));
        assert.ok(document.isDirty, 'my edit makes the draft dirty');
        await stillDirtyAfterPeerEdits(document, session, async (n) => {
          peer.file.ysource.insert(0, `${n}`);
          await eventually(() => assert.ok(document.getText().startsWith(`${n}`)));
        });
        assert.ok(await document.save(), 'Save succeeds');
        assert.ok(!document.isDirty);
        peer.file.ysource.insert(0, '#');
        await eventually(() => assert.ok(document.getText().startsWith('#21# first line')));
        await eventually(() => assert.ok(!document.isDirty, "once saved, a peer's edit leaves it saved again"));
        await eventually(() => assert.strictEqual(peer.file.source, document.getText()));
      }));

    it('a save after its session ended: with nothing unsaved it succeeds quietly, with an edit the session never had it fails', async () => {
      const api = await enclave();
      const session = await sessionOf(document.uri);
      assert.ok(session);
      // What an auto save or the previous test's editor met: the session ends while VS Code still has the file.
      api.sessions.end(session);
      await applyAsUser((edit) => edit.insert(document.uri, new vscode.Position(1, 0), 'after the end\n'));
      assert.ok(document.isDirty);
      assert.strictEqual(await document.save(), false, 'an edit the session never had is not reported saved');
      assert.ok(document.isDirty, 'and stays unsaved');
      const typed = new vscode.Range(new vscode.Position(1, 0), new vscode.Position(2, 0));
      await applyAsUser((edit) => edit.delete(document.uri, typed));
      assert.strictEqual(document.getText(), 'first line\n');
      if (document.isDirty) assert.ok(await document.save(), 'nothing unsaved: the save succeeds');
      assert.ok(!document.isDirty);
      assert.strictEqual(peer.file.source, 'first line\n', 'nothing reached the shared document after the end');
    });

    it('a Save while the relay restarts waits for it and succeeds (no failed-save popup for a short outage)', async () => {
      const session = await sessionOf(document.uri);
      assert.ok(session);
      await relay('stop');
      try {
        await eventually(() => assert.ok(session.status !== 'connected', 'the relay is down'));
        await applyAsUser((edit) => edit.insert(document.uri, new vscode.Position(1, 0), 'typed offline\n'));
        const saving = Promise.resolve(document.save());
        await relay('start');
        assert.strictEqual(await saving, true, 'Save succeeded once the relay was back');
      } finally {
        await relay('start');
      }
      assert.ok(!document.isDirty);
      await eventually(() => assert.strictEqual(peer.file.source, 'first line\ntyped offline\n'));
    });
  });
});
