import * as vscode from 'vscode';
import { readRunningCells, readStampedUser, RUNNING_FIELD } from '@enclave/shared';
import * as assert from './support/assert.js';
import { enclave, leaveAll, openSharedNotebook, useIdentity } from './support/extension.js';
import { eventually } from './support/poll.js';
import { NotebookPeer } from './support/peer.js';
import { createSpace, newIdentity, uniqueName } from './support/space.js';
import { HeldKernel } from './support/held-kernel.js';

const CELLS = [
  {
    id: 'cell-first',
    cell_type: 'code' as const,
    source: 'print("first")',
    metadata: {},
    execution_count: 3,
    outputs: [{ output_type: 'stream', name: 'stdout', text: 'first\n' }],
  },
  {
    id: 'cell-second',
    cell_type: 'code' as const,
    source: 'second = 1',
    metadata: {},
    execution_count: null,
    outputs: [],
  },
];

describe('who is running which cell', () => {
  afterEach(leaveAll);

  async function setUp(): Promise<{ peer: NotebookPeer; notebook: vscode.NotebookDocument }> {
    const me = await newIdentity('VS Code User');
    const other = await newIdentity('Ada Peer');
    const space = await createSpace([
      { identity: me, role: 'editor' },
      { identity: other, role: 'editor' },
    ]);
    const document = uniqueName('running') + '.ipynb';
    const peer = await NotebookPeer.join(other, space, document, true);
    await peer.write({ nbformat: 4, nbformat_minor: 5, metadata: {}, cells: CELLS });
    await useIdentity(me);
    const notebook = await openSharedNotebook(space, document);
    return { peer, notebook };
  }

  it("shows the peer's name on the cell it runs, until its run ends", async () => {
    const { peer, notebook } = await setUp();
    try {
      const api = await enclave();
      peer.notebook.awareness.setLocalStateField(RUNNING_FIELD, ['cell-second']);
      await eventually(
        () => assert.deepStrictEqual(api.cellStatus(notebook.cellAt(1)), ['▶ Ada Peer running']),
        30_000,
      );
      assert.deepStrictEqual(api.cellStatus(notebook.cellAt(0)), []);
      peer.notebook.awareness.setLocalStateField(RUNNING_FIELD, []);
      await eventually(() => assert.deepStrictEqual(api.cellStatus(notebook.cellAt(1)), []), 30_000);
    } finally {
      peer.leave();
    }
  });

  /** The cells VS Code publishes as running, as the peer sees them. */
  function runningAt(peer: NotebookPeer): string[] {
    const mine = [...peer.notebook.awareness.getStates().values()].find(
      (state) => readStampedUser(state)?.name === 'VS Code User',
    );
    return readRunningCells(mine);
  }

  it('publishes the cell VS Code runs while it runs, and its count when it ends', async () => {
    const { peer, notebook } = await setUp();
    const kernel = new HeldKernel();
    try {
      await vscode.window.showNotebookDocument(notebook);
      kernel.prefer(notebook);
      const runningHere = (): string[] => runningAt(peer);
      // Not awaited: the command may resolve only when the run has ended.
      const run = vscode.commands.executeCommand('notebook.cell.execute', {
        ranges: [{ start: 1, end: 2 }],
        document: notebook.uri,
      });
      await eventually(() => assert.deepStrictEqual(runningHere(), ['cell-second']), 30_000);
      await eventually(() => assert.strictEqual(kernel.started, 1), 30_000);
      await kernel.finish();
      await run;
      await eventually(() => assert.deepStrictEqual(runningHere(), []), 30_000);
      // The count comes from the run's execution summary (VS Code for the web leaves the metadata's count).
      await eventually(() => assert.strictEqual(peer.notebook.cells[1]!.toJSON()['execution_count'], 1), 30_000);
    } finally {
      kernel.dispose();
      peer.leave();
    }
  });

  it('does not take clearing outputs for a run', async () => {
    const { peer, notebook } = await setUp();
    try {
      const editor = await vscode.window.showNotebookDocument(notebook);
      editor.selection = new vscode.NotebookRange(0, 1);
      // VS Code clears the outputs, then the execution summary: the same summary a queued run starts with.
      await vscode.commands.executeCommand('notebook.cell.clearOutputs');
      const first = (): Record<string, unknown> => peer.notebook.cells[0]!.toJSON();
      await eventually(() => {
        assert.deepStrictEqual(first()['outputs'], []);
        assert.strictEqual(first()['execution_count'], null);
      }, 30_000);
      // Presence is sent on the same socket right after the cell's change, so it has arrived by now.
      assert.deepStrictEqual(runningAt(peer), []);
    } finally {
      peer.leave();
    }
  });
});
