import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { YFile, YNotebook } from '@jupyter/ydoc';
import * as Y from 'yjs';
import { decodeDraftBytes, encodeDraftText, readDraft, writeDraft } from './draft.js';
import { documentKindForFileName } from './document-kind.js';
import {
  insertNotebookCells,
  normalizeNotebook,
  notebookFromContent,
  type NotebookContent,
  parseIpynb,
  readNotebook,
  serializeIpynb,
  writeNotebook,
} from './notebook.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../../../../shared/fixtures/notebooks');
const fixtures = readdirSync(FIXTURES).filter((f) => f.endsWith('.ipynb'));

/**
 * A fixture notebook whose code cells carry the legacy metadata classic Jupyter wrote (`collapsed`,
 * `scrolled`), in every combination with the newer `jupyter.outputs_hidden`, and none of them added.
 */
export function withLegacyMetadata(content: NotebookContent): NotebookContent {
  const variants: Record<string, unknown>[] = [
    { collapsed: false },
    { collapsed: true, scrolled: 'auto' },
    { scrolled: false },
    { jupyter: { outputs_hidden: true } },
    { collapsed: false, scrolled: true, jupyter: { source_hidden: true } },
  ];
  const copy = structuredClone(content);
  copy.cells
    .filter((cell) => cell.cell_type === 'code')
    .forEach((cell, i) => Object.assign(cell.metadata, variants[i % variants.length]));
  return copy;
}

/** Sends a model's state to a fresh model over a Yjs update, as a relay would. */
function transfer<T extends YNotebook | YFile>(source: T, fresh: T): T {
  Y.applyUpdate(fresh.ydoc, Y.encodeStateAsUpdate(source.ydoc));
  return fresh;
}

describe('notebook schema (YNotebook)', () => {
  it('has the fixtures', () => assert.ok(fixtures.length >= 7, FIXTURES));

  for (const file of fixtures) {
    it(`round-trips ${file} through a Y.Doc update`, () => {
      const source = parseIpynb(readFileSync(join(FIXTURES, file), 'utf8'));
      const original = notebookFromContent(source);
      const copy = transfer(original, new YNotebook());
      const result = readNotebook(copy);
      assert.deepEqual(normalizeNotebook(result), normalizeNotebook(source));
      if (source.nbformat_minor < 5)
        assert.ok(
          result.cells.every((c) => c.id === undefined),
          'no ids below 4.5',
        );
      assert.deepEqual(JSON.parse(serializeIpynb(result)), result);
      original.dispose();
      copy.dispose();
    });
  }

  it('replaces content as edits, so a live peer converges on the new content', () => {
    const a = notebookFromContent(parseIpynb(readFileSync(join(FIXTURES, 'Main_Demo.ipynb'), 'utf8')));
    const b = transfer(a, new YNotebook());
    const replacement = parseIpynb(readFileSync(join(FIXTURES, 'Patchscopes_Generation_Demo.ipynb'), 'utf8'));
    const before = Y.encodeStateVector(b.ydoc);
    writeNotebook(a, replacement);
    Y.applyUpdate(b.ydoc, Y.encodeStateAsUpdate(a.ydoc, before));
    assert.deepEqual(normalizeNotebook(readNotebook(b)), normalizeNotebook(replacement));
    a.dispose();
    b.dispose();
  });

  it('replaces notebook metadata exactly, dropping keys the new content lacks', () => {
    const first = parseIpynb(readFileSync(join(FIXTURES, 'Head_Detector_Demo.ipynb'), 'utf8'));
    const notebook = notebookFromContent(first);
    assert.ok('colab' in readNotebook(notebook).metadata);
    const second = { ...first, metadata: { kernelspec: first.metadata.kernelspec } };
    writeNotebook(notebook, second);
    assert.deepEqual(readNotebook(notebook).metadata, second.metadata);
    notebook.dispose();
  });

  it('gives back legacy cell metadata (collapsed, scrolled) as it was, adding no jupyter.outputs_hidden', () => {
    const source = withLegacyMetadata(parseIpynb(readFileSync(join(FIXTURES, 'Main_Demo.ipynb'), 'utf8')));
    assert.ok(source.cells.filter((c) => 'collapsed' in c.metadata).length >= 3, 'the variant has legacy cells');
    const original = notebookFromContent(source);
    const copy = transfer(original, new YNotebook());
    assert.deepEqual(
      readNotebook(copy).cells.map((c) => c.metadata),
      source.cells.map((c) => c.metadata),
    );
    // Cells an editor inserts keep theirs too.
    const inserted = source.cells.filter((c) => c.cell_type === 'code').slice(0, 5);
    insertNotebookCells(copy, 0, inserted);
    assert.deepEqual(
      readNotebook(copy)
        .cells.slice(0, 5)
        .map((c) => c.metadata),
      inserted.map((c) => c.metadata),
    );
    original.dispose();
    copy.dispose();
  });

  it('refuses what is not a notebook, saying why', () => {
    assert.throws(() => parseIpynb('{'), /not JSON/);
    assert.throws(() => parseIpynb('{"nbformat":3,"nbformat_minor":0,"cells":[],"metadata":{}}'), /nbformat 3/);
    assert.throws(() => parseIpynb('{"nbformat":4,"nbformat_minor":5,"metadata":{}}'), /cells/);
    assert.throws(
      () => parseIpynb('{"nbformat":4,"nbformat_minor":5,"metadata":{},"cells":[{"cell_type":"video"}]}'),
      /cell 0/,
    );
  });
});

describe('draft schema (YFile)', () => {
  for (const text of ['plain\n', 'Grüße, 日本語, emoji 🧪\r\nCRLF line\r\n', '\uFEFFwith BOM\n', '']) {
    it(`keeps ${JSON.stringify(text.slice(0, 12))} byte for byte`, () => {
      const file = new YFile();
      writeDraft(file, decodeDraftBytes(encodeDraftText(text)));
      const copy = transfer(file, new YFile());
      assert.deepEqual(encodeDraftText(readDraft(copy)), encodeDraftText(text));
      file.dispose();
      copy.dispose();
    });
  }

  it('refuses bytes that are not UTF-8 text', () => {
    assert.throws(() => decodeDraftBytes(new Uint8Array([0xff, 0xfe, 0x00, 0xd8])), /UTF-8/);
  });

  it('maps file names to kinds', () => {
    assert.equal(documentKindForFileName('a/B.IPYNB'), 'notebook');
    assert.equal(documentKindForFileName('notes.md'), 'draft');
  });
});

describe('building cells without yjs premature-access warnings', () => {
  const record = (): { lines: string[]; restore: () => void } => {
    // As in VS Code's extension host: console.warn is an accessor whose getter returns its own function,
    // so assigning to it changes nothing.
    const original = Object.getOwnPropertyDescriptor(console, 'warn')!;
    const lines: string[] = [];
    const forwarder = (...args: unknown[]): void => void lines.push(args.map(String).join(' '));
    Object.defineProperty(console, 'warn', { configurable: true, get: () => forwarder, set: () => undefined });
    return { lines, restore: () => Object.defineProperty(console, 'warn', original) };
  };

  it('drops only that warning, even where console.warn cannot be assigned, and restores console.warn', () => {
    const { lines, restore } = record();
    try {
      const notebook = notebookFromContent(
        parseIpynb(readFileSync(join(FIXTURES, 'Attribution_Patching_Demo.ipynb'), 'utf8')),
      );
      insertNotebookCells(notebook, 0, [
        { cell_type: 'code', source: 'x = 1', metadata: {}, outputs: [], execution_count: null },
      ]);
      console.warn('another warning');
      assert.deepEqual(lines, ['another warning']);
      assert.equal(notebook.cells.length, readNotebook(notebookFromContent(readNotebook(notebook))).cells.length);
    } finally {
      restore();
    }
  });
});
