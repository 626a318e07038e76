import assert from 'node:assert/strict';
import { YNotebook } from '@jupyter/ydoc';
import type * as nbformat from '@jupyterlab/nbformat';
import { writeNotebook } from '@enclave/shared';
import { CellKind } from '../../src/notebook/cell-data.js';
import { outputFromJupyter } from '../../src/notebook/outputs.js';
import { Network } from '../support/network.js';
import {
  bindEditor,
  comparable,
  editorContent,
  type NotebookReplica,
  sharedContent,
} from '../support/notebook-replica.js';
import { Random } from '../support/random.js';
import { drain, quiesce, settle, TaskQueue } from '../support/task-queue.js';

const STARTER: nbformat.INotebookContent = {
  nbformat: 4,
  nbformat_minor: 5,
  metadata: {
    language_info: { name: 'python' },
    kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' },
  },
  cells: [
    { id: 'c1', cell_type: 'markdown', source: '# Title', metadata: {} },
    {
      id: 'c2',
      cell_type: 'code',
      source: 'x = 1\nprint(x)',
      metadata: { tags: ['a'] },
      execution_count: 1,
      outputs: [{ output_type: 'stream', name: 'stdout', text: '1\n' }],
    },
    { id: 'c3', cell_type: 'raw', source: 'raw text', metadata: {} },
  ],
};

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

function makeNotebook(content?: nbformat.INotebookContent): YNotebook {
  const notebook = new YNotebook();
  if (content) writeNotebook(notebook, content);
  return notebook;
}

async function inSync(replica: NotebookReplica, queue: TaskQueue): Promise<void> {
  await drain(queue);
  await replica.binding.whenIdle();
  await drain(queue);
  assert.deepEqual(comparable(editorContent(replica.editor)), comparable(sharedContent(replica.notebook)));
}

describe('NotebookBinding', () => {
  let queue: TaskQueue;
  let errors: unknown[];
  let replica: NotebookReplica;

  beforeEach(() => {
    queue = new TaskQueue();
    errors = [];
    replica = bindEditor(makeNotebook(STARTER), queue, errors);
  });

  afterEach(() => {
    replica.dispose();
    assert.deepEqual(errors, []);
  });

  describe('shared -> editor', () => {
    it('shows inserted, deleted and moved cells', async () => {
      const nb = replica.notebook;
      nb.insertCell(1, { cell_type: 'code', source: 'inserted', metadata: {} });
      await inSync(replica, queue);
      assert.equal(replica.editor.cells().length, 4);
      assert.equal(replica.editor.cells()[1]!.document.text, 'inserted');
      nb.deleteCell(0);
      await inSync(replica, queue);
      assert.equal(replica.editor.cells().length, 3);
      nb.moveCell(0, 2);
      await inSync(replica, queue);
      assert.deepEqual(
        replica.editor.cells().map((c) => c.document.text),
        ['x = 1\nprint(x)', 'raw text', 'inserted'],
      );
    });

    it('shows character edits in a cell without replacing the cell', async () => {
      const before = replica.editor.cells()[1]!;
      replica.notebook.cells[1]!.ysource.insert(5, '0');
      await inSync(replica, queue);
      assert.equal(replica.editor.cells()[1], before, 'same cell handle');
      assert.equal(before.document.text, 'x = 10\nprint(x)');
    });

    it('shows outputs, execution counts and metadata', async () => {
      const cell = replica.notebook.cells[1]!;
      assert.equal(cell.cell_type, 'code');
      if (cell.cell_type !== 'code') return;
      cell.setOutputs([
        { output_type: 'display_data', data: { 'image/png': PNG, 'text/html': ['<b>hi</b>'] }, metadata: {} },
        { output_type: 'execute_result', data: { 'text/plain': '42' }, metadata: {}, execution_count: 7 },
        { output_type: 'error', ename: 'ValueError', evalue: 'bad', traceback: ['line 1', 'line 2'] },
      ]);
      cell.execution_count = 7;
      await inSync(replica, queue);
      const shown = replica.editor.cells()[1]!;
      assert.equal(shown.outputs.length, 3);
      assert.equal(shown.executionOrder, 7);
      replica.notebook.cells[0]!.setMetadata({ tags: ['intro'] });
      await inSync(replica, queue);
      assert.deepEqual(replica.editor.cells()[0]!.metadata['metadata'], { tags: ['intro'] });
      replica.notebook.setMetadata({ ...replica.notebook.getMetadata(), custom: 1 } as nbformat.INotebookMetadata);
      await inSync(replica, queue);
      assert.equal((replica.editor.metadata()['metadata'] as Record<string, unknown>)['custom'], 1);
    });
  });

  describe('editor -> shared', () => {
    it('sends inserted, deleted, moved and retyped cells', async () => {
      const editor = replica.editor;
      editor.insert(0, { kind: CellKind.Code, value: 'new()', languageId: 'python', metadata: {}, outputs: [] });
      assert.equal(replica.notebook.cells[0]!.source, 'new()', 'synchronously');
      editor.delete(2);
      editor.move(0, 2);
      editor.toggleKind(0);
      await inSync(replica, queue);
      assert.deepEqual(
        replica.notebook.cells.map((c) => [c.cell_type, c.source]),
        [
          ['code', '# Title'],
          ['raw', 'raw text'],
          ['code', 'new()'],
        ],
      );
    });

    it('sends typing, outputs and metadata', async () => {
      const editor = replica.editor;
      const cell = editor.cells()[1]!;
      editor.type(cell, { offset: 0, deleteCount: 1, insert: 'y' });
      editor.setOutputs(cell, [outputFromJupyter({ output_type: 'stream', name: 'stderr', text: 'warn\n' })]);
      editor.setCellMetadataNow(cell, { ...cell.metadata, metadata: { tags: ['b'] } });
      editor.setExecutionOrder(cell, 3);
      editor.setNotebookMetadataNow({ ...editor.metadata(), metadata: { edited: true } });
      const shared = sharedContent(replica.notebook);
      const code = shared.cells[1] as nbformat.ICodeCell;
      assert.equal(code.source, 'y = 1\nprint(x)');
      assert.deepEqual(code.outputs, [{ output_type: 'stream', name: 'stderr', text: 'warn\n' }]);
      assert.deepEqual(code.metadata, { tags: ['b'] });
      assert.equal(code.execution_count, 3);
      assert.deepEqual(shared.metadata, { edited: true });
      await inSync(replica, queue);
      assert.equal(queue.size, 0);
    });

    it("sends a run's execution count from the execution summary, not the stale count in the cell metadata", async () => {
      const editor = replica.editor;
      const cell = editor.cells()[1]!;
      const code = (): nbformat.ICodeCell => sharedContent(replica.notebook).cells[1] as nbformat.ICodeCell;
      editor.setExecutionOrder(cell, undefined); // queued
      assert.equal(code().execution_count, null);
      editor.setExecutionOrder(cell, 5); // ended
      assert.equal(code().execution_count, 5);
      assert.equal(cell.metadata['execution_count'], 1, 'the metadata still names the old count');
      // A later metadata edit (a tag) does not bring the stale count back.
      editor.setCellMetadataNow(cell, { ...cell.metadata, metadata: { tags: ['b'] } });
      assert.equal(code().execution_count, 5);
      await inSync(replica, queue);
    });

    it('does not echo its own edits back', async () => {
      const updates: Uint8Array[] = [];
      replica.notebook.ydoc.on('update', (update: Uint8Array) => updates.push(update));
      replica.notebook.cells[1]!.ysource.insert(0, '# remote\n');
      replica.notebook.cells[0]!.setMetadata({ remote: true });
      await inSync(replica, queue);
      assert.equal(updates.length, 2, 'only the two remote transactions');
    });
  });

  describe('read-only (viewer)', () => {
    it('undoes local changes in the editor and shares none of them', async () => {
      replica.binding.readOnly = true;
      const before = JSON.stringify(sharedContent(replica.notebook));
      const editor = replica.editor;
      editor.type(editor.cells()[1]!, { offset: 0, deleteCount: 0, insert: 'typed ' });
      editor.insert(0, { kind: CellKind.Code, value: 'added', languageId: 'python', metadata: {}, outputs: [] });
      editor.delete(3);
      editor.move(0, 2);
      editor.setOutputs(editor.cells()[1]!, []);
      editor.setCellMetadataNow(editor.cells()[0]!, { metadata: { changed: true } });
      assert.equal(JSON.stringify(sharedContent(replica.notebook)), before, 'nothing reaches the shared notebook');
      await inSync(replica, queue);
      assert.equal(JSON.stringify(sharedContent(replica.notebook)), before);
    });
  });

  for (let seed = 100; seed < 140; seed++) {
    it(`converges under seeded random edits from editors and a headless peer (seed ${seed})`, async () => {
      const random = new Random(seed);
      const origin = makeNotebook(STARTER);
      const peers = [makeNotebook(), makeNotebook(), makeNotebook()];
      // Deterministic client ids, so that a seed replays the same concurrent merge order.
      peers.forEach((peer, i) => (peer.ydoc.clientID = seed * 10 + i + 1));
      const network = new Network([origin.ydoc, ...peers.map((p) => p.ydoc)]);
      network.deliverAll();
      const replicas = [bindEditor(peers[0]!, queue, errors), bindEditor(peers[1]!, queue, errors)];
      const headless = peers[2]!;
      for (let step = 0; step < 400; step++) {
        const roll = random.next();
        if (roll < 0.4) editorStep(random, random.pick(replicas));
        else if (roll < 0.5) headlessStep(random, headless);
        else if (roll < 0.75) network.deliverOne(random);
        else queue.runOne(random);
        await settle();
      }
      await quiesce(network, queue, random, async () => {
        for (const r of replicas) await r.binding.whenIdle();
      });
      const expected = comparable(sharedContent(origin));
      for (const peer of peers)
        assert.deepEqual(comparable(sharedContent(peer)), expected, 'shared notebooks converge');
      for (const r of replicas) assert.deepEqual(comparable(editorContent(r.editor)), expected, 'editors show them');
      for (const r of replicas) r.binding.dispose();
      for (const nb of [origin, ...peers]) nb.dispose();
    });
  }
});

function editorStep(random: Random, replica: NotebookReplica): void {
  const editor = replica.editor;
  const cells = editor.cells();
  const action = random.int(7);
  if (cells.length === 0 || action === 0) {
    const kind = random.chance(0.7) ? CellKind.Code : CellKind.Markup;
    editor.insert(random.int(cells.length + 1), {
      kind,
      value: random.word(),
      languageId: kind === CellKind.Code ? 'python' : 'markdown',
      metadata: { metadata: {} },
      outputs: [],
    });
  } else if (action === 1 && cells.length > 1) {
    editor.delete(random.int(cells.length));
  } else if (action === 2 && cells.length > 1) {
    editor.move(random.int(cells.length), random.int(cells.length));
  } else if (action === 3) {
    editor.toggleKind(random.int(cells.length));
  } else if (action === 4) {
    const cell = random.pick(cells);
    if (cell.kind === CellKind.Code && cell.languageId !== 'raw') {
      editor.setOutputs(cell, [outputFromJupyter({ output_type: 'stream', name: 'stdout', text: random.word() })]);
    }
  } else if (action === 5) {
    const cell = random.pick(cells);
    editor.setCellMetadataNow(cell, { ...cell.metadata, metadata: { tag: random.word() } });
  } else {
    const cell = random.pick(cells);
    const text = cell.document.text;
    const offset = random.int(text.length + 1);
    const deleteCount = random.chance(0.3) ? random.int(Math.min(3, text.length - offset) + 1) : 0;
    editor.type(cell, { offset, deleteCount, insert: random.word() });
  }
}

function headlessStep(random: Random, notebook: YNotebook): void {
  const count = notebook.cells.length;
  const action = random.int(4);
  if (count === 0 || action === 0) {
    notebook.insertCell(random.int(count + 1), { cell_type: 'code', source: random.word(), metadata: {} });
  } else if (action === 1 && count > 1) {
    notebook.deleteCell(random.int(count));
  } else if (action === 2 && count > 1) {
    notebook.moveCell(random.int(count), random.int(count));
  } else {
    const cell = notebook.cells[random.int(count)]!;
    cell.ysource.insert(random.int(cell.ysource.length + 1), random.word());
  }
}
