import * as vscode from 'vscode';
import { parseIpynb } from '@enclave/shared';
import type * as nbformat from '@jupyterlab/nbformat';
import { notebookToJupyter } from '../../src/notebook/cells.js';
import { normalizeOutput } from '../../src/notebook/outputs.js';
import { fromNotebook } from '../../src/vscode/notebook-data.js';
import * as assert from './support/assert.js';
import { readWorkspaceText, testEnvironment } from './support/environment.js';
import { leaveAll, openSharedNotebook, useIdentity } from './support/extension.js';
import { NotebookPeer } from './support/peer.js';
import { createSpace, newIdentity, uniqueName } from './support/space.js';

/** nbformat equality: lines joined, cell ids dropped (added by the schema below 4.5), images without line breaks. */
function comparable(content: nbformat.INotebookContent): unknown {
  const join = (v: unknown): unknown => (Array.isArray(v) ? v.join('') : v);
  return JSON.parse(
    JSON.stringify({
      nbformat: content.nbformat,
      nbformat_minor: content.nbformat_minor,
      metadata: content.metadata,
      cells: content.cells.map(({ id: _id, ...cell }) => ({
        ...cell,
        source: join(cell.source),
        ...(Array.isArray(cell['outputs'])
          ? { outputs: (cell['outputs'] as nbformat.IOutput[]).map(normalizeOutput) }
          : {}),
      })),
    }),
  );
}

describe('every fixture notebook opens shared and round-trips', function () {
  this.timeout(180_000);
  let names: string[] = [];

  before(async () => {
    const { workspace } = await testEnvironment();
    names = (await vscode.workspace.fs.readDirectory(vscode.Uri.joinPath(workspace, 'fixtures')))
      .map(([name]) => name)
      .filter((name) => name.endsWith('.ipynb'))
      .sort();
    assert.ok(names.length >= 5, 'the runner copied the fixtures');
  });

  afterEach(leaveAll);

  it('opens each fixture from a peer and shows the same notebook', async () => {
    const me = await newIdentity('VS Code User');
    const other = await newIdentity('Peer');
    const space = await createSpace([
      { identity: me, role: 'editor' },
      { identity: other, role: 'editor' },
    ]);
    await useIdentity(me);
    for (const name of names) {
      const original = parseIpynb(await readWorkspaceText('fixtures', name));
      const document = uniqueName('fixture') + '.ipynb';
      const peer = await NotebookPeer.join(other, space, document, true);
      try {
        await peer.write(original);
        const started = Date.now();
        const notebook = await openSharedNotebook(space, document);
        console.log(`      ${name}: opened shared in ${Date.now() - started} ms (${notebook.cellCount} cells)`);
        const shown = notebookToJupyter(fromNotebook(notebook));
        assert.deepStrictEqual(comparable(shown), comparable(original), `${name} differs after opening shared`);
      } finally {
        peer.leave();
        await leaveAll();
      }
    }
  });
});
