/**
 * A sealed space end to end: a VS Code user (this VS Code) and a JupyterLab user (the orchestrator's page)
 * co-edit a sealed notebook while the relay holds only ciphertext. Edits both ways, a cell move, an output
 * and cursors; both editors say the space is sealed; the lead (the CLI) revokes the JupyterLab user
 * mid-session: they are cut off and told, while VS Code keeps editing under the new epoch. A marker typed in
 * the session (and in the document's name) is found in no file of the relay's data folder.
 */
import * as vscode from 'vscode';
import { type Identity, type NotebookContent, parseIpynb, serializeIdentity } from '@enclave/shared';
import * as assert from '../../../extension/test/vscode/support/assert.js';
import { applyAsUser } from '../../../extension/test/vscode/support/edit.js';
import { testEnvironment } from '../../../extension/test/vscode/support/environment.js';
import { enclave, useIdentity } from '../../../extension/test/vscode/support/extension.js';
import { eventually } from '../../../extension/test/vscode/support/poll.js';
import { newIdentity, uniqueName } from '../../../extension/test/vscode/support/space.js';
import { notebookFromJupyter } from '../../../extension/src/notebook/cells.js';
import { toNotebookData } from '../../../extension/src/vscode/notebook-data.js';
import { call, lab, labOpen, labSources, labType, screenshot } from './orchestrator.js';

const MARKER = 'SEALEDMARK-5d2b9';
const NOTEBOOK = `sealed-${MARKER}.ipynb`;
const STARTER: NotebookContent = {
  nbformat: 4,
  nbformat_minor: 5,
  metadata: { kernelspec: { name: 'python3', display_name: 'Python 3 (ipykernel)', language: 'python' } },
  cells: [
    { id: 'title', cell_type: 'markdown', source: '# Sealed analysis', metadata: {} },
    { id: 'setup', cell_type: 'code', source: 'x = 1', metadata: {}, execution_count: null, outputs: [] },
    // The output carries the marker; the source does not (it is split), so an output is checked on its own.
    {
      id: 'show',
      cell_type: 'code',
      source: "print('SEALED' + 'MARK-5d2b9 output')",
      metadata: {},
      execution_count: null,
      outputs: [],
    },
  ],
};

const vsTexts = (nb: vscode.NotebookDocument): string[] => nb.getCells().map((c) => c.document.getText());
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The `enclave` CLI as the lead (the relay's admin); fails the test on a non-zero exit. */
async function cli(...args: string[]): Promise<string> {
  const result = await call<{ code: number; stdout: string; stderr: string }>('/cli', { args });
  assert.strictEqual(result.code, 0, `enclave ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

async function pulled(space: string): Promise<NotebookContent> {
  const { text } = await call<{ text: string }>('/pull', { path: `${space}/${NOTEBOOK}` });
  return parseIpynb(text);
}

describe('VS Code and JupyterLab in a sealed notebook', function () {
  this.timeout(120_000);
  let space: string;
  let vsUser: Identity;
  let labUser: Identity;
  let notebook: vscode.NotebookDocument;
  let labNb: string;

  const labStatus = (): Promise<string> =>
    lab("return document.querySelector('#' + widget(arg).id + ' .enclave-presence')?.textContent ?? ''", labNb);

  before(async function () {
    vsUser = await newIdentity('Ada in VS Code');
    labUser = await newIdentity('Grace in JupyterLab');
    space = uniqueName('sealed');
    assert.match(await cli('space', 'create', space, '--sealed'), /sealed/);
    // `enclave grant` in a sealed space also wraps the space's key for the new member.
    assert.match(await cli('grant', space, vsUser.publicKey, '--role', 'editor', '--name', vsUser.name), /wrapped/);
    assert.match(await cli('grant', space, labUser.publicKey, '--role', 'editor', '--name', labUser.name), /wrapped/);

    // VS Code shares a local notebook into the sealed space (created by its real name, sealed).
    await useIdentity(vsUser);
    // Through the extension's own conversion, so the kernelspec is in the notebook's metadata (JupyterLab
    // would otherwise ask for a kernel in a dialog).
    const local = await vscode.workspace.openNotebookDocument(
      'jupyter-notebook',
      toNotebookData(notebookFromJupyter(STARTER)),
    );
    await vscode.window.showNotebookDocument(local);
    const { relay } = await testEnvironment();
    await vscode.commands.executeCommand('enclave.share', { relay, space, document: NOTEBOOK });
    notebook = local;
    const api = await enclave();
    await eventually(() => assert.ok(api.sessions.all().some((s) => s.sealed && s.address.space === space)), 30_000);

    await lab("await app.commands.execute('enclave:identity-import', { text: arg })", serializeIdentity(labUser));
    labNb = await labOpen(space, NOTEBOOK);
    await eventually(async () => assert.deepStrictEqual(await labSources(labNb), vsTexts(notebook)), 30_000);
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') {
      const files = await screenshot(
        `sealed-${this.currentTest.title.replace(/[^a-z0-9]+/gi, '-').slice(0, 50)}`,
      ).catch(String);
      console.log(`      screenshots: ${JSON.stringify(files)}`);
    }
  });

  it('1. both editors say the space is sealed', async () => {
    const api = await enclave();
    await vscode.window.showNotebookDocument(notebook);
    await eventually(() => assert.match(api.statusText(), /sealed/), 10_000);
    await eventually(async () => assert.match(await labStatus(), /sealed/), 10_000);
  });

  it('2. edits go both ways, with a marker in the text', async () => {
    const doc = notebook.cellAt(1).document;
    await applyAsUser((e) => e.insert(doc.uri, doc.positionAt(doc.getText().length), `  # ${MARKER} from VS Code`));
    await eventually(async () => assert.ok((await labSources(labNb))[1]!.includes(`${MARKER} from VS Code`)), 20_000);
    await labType(labNb, 1, ' and JupyterLab', 15);
    await eventually(
      () => assert.strictEqual(notebook.cellAt(1).document.getText(), `x = 1  # ${MARKER} from VS Code and JupyterLab`),
      20_000,
    );
    await eventually(async () => assert.deepStrictEqual(await labSources(labNb), vsTexts(notebook)), 20_000);
  });

  it('3. a cell moved in JupyterLab and one inserted in VS Code arrive in order', async () => {
    const [title, setup, show] = vsTexts(notebook);
    await lab(
      "const w = widget(arg); app.shell.activateById(w.id); w.content.activeCellIndex = 2; await app.commands.execute('notebook:move-cell-up');",
      labNb,
    );
    await eventually(() => assert.deepStrictEqual(vsTexts(notebook), [title, show, setup]), 20_000);
    await applyAsUser((e) =>
      e.set(notebook.uri, [
        vscode.NotebookEdit.insertCells(3, [
          new vscode.NotebookCellData(vscode.NotebookCellKind.Code, 'y = 2', 'python'),
        ]),
      ]),
    );
    await eventually(
      async () => assert.deepStrictEqual(await labSources(labNb), [title, show, setup, 'y = 2']),
      20_000,
    );
  });

  it('4. a cell run in JupyterLab: its output reaches VS Code', async () => {
    await lab(
      'const w = widget(arg); app.shell.activateById(w.id); await w.sessionContext.ready; for (let i = 0; i < 600 && !w.sessionContext.session?.kernel; i++) await new Promise(r => setTimeout(r, 100));',
      labNb,
    );
    await lab(
      "const w = widget(arg); w.content.activeCellIndex = w.content.model.sharedModel.cells.findIndex(c => c.getSource().startsWith('print')); await app.commands.execute('notebook:run-cell');",
      labNb,
    );
    const printCell = (): vscode.NotebookCell =>
      notebook.getCells().find((c) => c.document.getText().startsWith('print'))!;
    await eventually(() => {
      const outputs = printCell().outputs.flatMap((o) => o.items.map((i) => new TextDecoder().decode(i.data)));
      assert.deepStrictEqual(outputs, [`${MARKER} output\n`]);
    }, 60_000);
  });

  it("5. each person's cursor is visible in the other editor", async () => {
    const api = await enclave();
    const editor = await vscode.window.showNotebookDocument(notebook);
    const cellDoc = notebook.cellAt(2).document;
    const textEditor = await vscode.window.showTextDocument(cellDoc, { viewColumn: editor.viewColumn });
    textEditor.selection = new vscode.Selection(0, 0, 0, 3);
    // JupyterLab's user puts the cursor into the cell VS Code shows, and stays there (focus kept: typing's
    // Escape would leave the cell and withdraw the cursor).
    await lab(
      "const w = widget(arg); app.shell.activateById(w.id); w.content.activeCellIndex = 2; w.content.mode = 'edit'; const e = w.content.activeCell.editor; e.focus(); e.setSelection({ start: { line: 0, column: 0 }, end: { line: 0, column: 1 } });",
      labNb,
    );
    await eventually(
      () =>
        assert.ok(
          api.cursors().some((c) => c.name === 'Grace in JupyterLab'),
          JSON.stringify(api.cursors()),
        ),
      40_000,
    );
    await eventually(async () => {
      const labels = await lab<string[]>(
        "return [...document.querySelectorAll('#' + widget(arg).id + ' .enclave-remote-caret-label')].map(n => n.textContent)",
        labNb,
      );
      assert.ok(labels.includes('Ada in VS Code'), `JupyterLab shows carets of ${JSON.stringify(labels)}`);
    }, 40_000);
  });

  it('6. the lead revokes the JupyterLab user mid-session: cut off and told; VS Code goes on under the new epoch', async () => {
    await eventually(async () => assert.deepStrictEqual(await labSources(labNb), vsTexts(notebook)), 20_000);
    assert.match(await cli('revoke', space, labUser.publicKey), /epoch 2/);
    await eventually(async () => assert.match(await labStatus(), /revoked|denied/i), 20_000);
    const labBefore = await labSources(labNb);
    const doc = notebook.cellAt(3).document;
    await applyAsUser((e) => e.insert(doc.uri, doc.positionAt(doc.getText().length), '  # after the revoke'));
    await eventually(async () => {
      const cells = (await pulled(space)).cells.map((c) => (Array.isArray(c.source) ? c.source.join('') : c.source));
      assert.ok(
        cells.some((s) => s.includes('# after the revoke')),
        JSON.stringify(cells),
      );
    }, 30_000);
    // VS Code keeps editing: a second edit after the new epoch also reaches the lead.
    await applyAsUser((e) => e.insert(doc.uri, doc.positionAt(doc.getText().length), ', still editing'));
    await eventually(async () => {
      const cells = (await pulled(space)).cells.map((c) => (Array.isArray(c.source) ? c.source.join('') : c.source));
      assert.ok(
        cells.some((s) => s.includes('# after the revoke, still editing')),
        JSON.stringify(cells),
      );
    }, 30_000);
    await sleep(1000);
    assert.deepStrictEqual(await labSources(labNb), labBefore, 'the revoked JupyterLab user saw nothing more');
    const api = await enclave();
    assert.ok(
      api.sessions.all().some((s) => s.sealed && s.status === 'connected'),
      'VS Code is still connected',
    );
  });

  it("7. the marker is in no file of the relay's data folder (WAL included)", async () => {
    const { found, bytes } = await call<{ found: boolean; bytes: number }>('/relay/data-contains', { text: MARKER });
    assert.ok(bytes > 0, 'the data folder was read');
    assert.strictEqual(found, false, `the marker ${MARKER} is in the relay's data folder`);
    // The relay is back; VS Code reconnects and still edits.
    const doc = notebook.cellAt(0).document;
    await applyAsUser((e) => e.insert(doc.uri, doc.positionAt(doc.getText().length), '!'));
    await eventually(async () => {
      const cells = (await pulled(space)).cells.map((c) => (Array.isArray(c.source) ? c.source.join('') : c.source));
      assert.ok(cells[0]!.endsWith('# Sealed analysis!'), JSON.stringify(cells));
    }, 30_000);
  });
});
