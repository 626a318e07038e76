import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as nbformat from '@jupyterlab/nbformat';
import { notebookFromContent, parseIpynb, readNotebook } from '@enclave/shared';
import { notebookFromJupyter, notebookToJupyter } from '../../src/notebook/cells.js';
import { normalizeOutput, outputFromJupyter, outputToJupyter } from '../../src/notebook/outputs.js';
import { comparable } from '../support/notebook-replica.js';

const FIXTURES = new URL('../../../../../shared/fixtures/notebooks/', import.meta.url).pathname;

function withNormalizedOutputs(content: nbformat.INotebookContent): nbformat.INotebookContent {
  return {
    ...content,
    cells: content.cells.map((cell) =>
      cell.cell_type === 'code'
        ? { ...cell, outputs: (cell['outputs'] as nbformat.IOutput[]).map(normalizeOutput) }
        : cell,
    ),
  } as nbformat.INotebookContent;
}

describe('notebook conversions (editor form <-> nbformat)', () => {
  it('keeps every kind of output', () => {
    const outputs: nbformat.IOutput[] = [
      { output_type: 'stream', name: 'stdout', text: ['a\n', 'b'] },
      { output_type: 'stream', name: 'stderr', text: 'oops\n' },
      {
        output_type: 'display_data',
        data: { 'image/png': 'iVBORw0KGgo=', 'text/html': ['<b>', 'x</b>'], 'text/plain': 'x' },
        metadata: { isolated: true },
      },
      { output_type: 'execute_result', data: { 'application/json': { a: [1, 2] } }, metadata: {}, execution_count: 3 },
      { output_type: 'error', ename: 'KeyError', evalue: "'k'", traceback: ['Traceback', "KeyError: 'k'"] },
    ];
    for (const output of outputs) {
      assert.deepEqual(normalizeOutput(outputToJupyter(outputFromJupyter(output))), normalizeOutput(output));
    }
  });

  const files = readdirSync(FIXTURES).filter((name) => name.endsWith('.ipynb'));
  it('finds the fixture notebooks', () => assert.ok(files.length >= 5, `fixtures in ${FIXTURES}`));
  for (const name of files) {
    it(`round-trips ${name} through the shared schema and the editor form`, () => {
      const original = parseIpynb(readFileSync(join(FIXTURES, name), 'utf8'));
      const shared = notebookFromContent(original);
      try {
        const viaEditor = notebookToJupyter(notebookFromJupyter(readNotebook(shared)));
        assert.deepEqual(comparable(withNormalizedOutputs(viaEditor)), comparable(withNormalizedOutputs(original)));
      } finally {
        shared.dispose();
      }
    });
  }
});
