/**
 * Push then pull through the real CLI against a real relay process: every fixture notebook comes back as
 * equal JSON (after joining line arrays; no ids added below nbformat 4.5), drafts byte for byte.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { normalizeNotebook, parseIpynb } from '@enclave/shared';
import { type RelayProcess, runCli, startRelayProcess } from '../support/cli.js';
import { FIXTURE_NOTEBOOKS } from '../support/paths.js';

describe('CLI push and pull (real relay process)', function () {
  this.timeout(120_000);
  let dir: string;
  let relay: RelayProcess;
  let env: Record<string, string>;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'enclave-cli-'));
    const admin = (
      await runCli(['identity', 'new', '--name', 'Ada Lead', '--out', join(dir, 'ada.json')])
    ).stdout.trim();
    relay = await startRelayProcess(join(dir, 'data'), admin);
    env = { ENCLAVE_RELAY: relay.url, ENCLAVE_IDENTITY: join(dir, 'ada.json') };
    const created = await runCli(['space', 'create', 'lab'], env);
    assert.equal(created.code, 0, created.stderr);
  });

  after(async () => {
    await relay?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const file of readdirSync(FIXTURE_NOTEBOOKS).filter((f) => f.endsWith('.ipynb'))) {
    it(`round-trips ${file}`, async () => {
      const source = join(FIXTURE_NOTEBOOKS, file);
      const pushed = await runCli(['push', `lab/${file}`, source], env);
      assert.equal(pushed.code, 0, pushed.stderr);
      const out = join(dir, `pulled-${file}`);
      const pulled = await runCli(['pull', `lab/${file}`, '--out', out], env);
      assert.equal(pulled.code, 0, pulled.stderr);
      const original = parseIpynb(readFileSync(source, 'utf8'));
      const result = parseIpynb(readFileSync(out, 'utf8'));
      assert.deepEqual(normalizeNotebook(result), normalizeNotebook(original));
      if (original.nbformat_minor < 5)
        assert.ok(
          result.cells.every((c) => !('id' in c)),
          'no ids added below 4.5',
        );
    });
  }

  it('gives back legacy cell metadata (collapsed, scrolled) without adding jupyter.outputs_hidden', async () => {
    const original = parseIpynb(readFileSync(join(FIXTURE_NOTEBOOKS, 'Head_Detector_Demo.ipynb'), 'utf8'));
    const legacy = [{ collapsed: false }, { collapsed: true, scrolled: 'auto' }, { scrolled: false }];
    original.cells.forEach((cell, i) => Object.assign(cell.metadata, legacy[i % legacy.length]));
    const source = join(dir, 'legacy.ipynb');
    writeFileSync(source, JSON.stringify(original));
    assert.equal((await runCli(['push', 'lab/legacy.ipynb', source], env)).code, 0);
    const out = join(dir, 'legacy-out.ipynb');
    assert.equal((await runCli(['pull', 'lab/legacy.ipynb', '--out', out], env)).code, 0);
    const result = parseIpynb(readFileSync(out, 'utf8'));
    assert.deepEqual(
      result.cells.map((c) => c.metadata),
      original.cells.map((c) => c.metadata),
    );
    assert.deepEqual(normalizeNotebook(result), normalizeNotebook(original));
  });

  const drafts: Record<string, string> = {
    'notes.md': '# Findings\n\nInduction heads form at step 1.2k.\n',
    'unicode.txt': 'Grüße aus Zürich — 日本語 — 🧪🔬\nsecond line\n',
    'windows.txt': 'line one\r\nline two\r\n\r\nlast line without newline',
    'bom.md': '\uFEFF# starts with a byte-order mark\n',
  };
  for (const [name, text] of Object.entries(drafts)) {
    it(`keeps draft ${name} byte for byte`, async () => {
      const source = join(dir, name);
      writeFileSync(source, text, 'utf8');
      assert.equal((await runCli(['push', `lab/${name}`, source], env)).code, 0);
      const out = join(dir, `pulled-${name}`);
      assert.equal((await runCli(['pull', `lab/${name}`, '--out', out], env)).code, 0);
      assert.deepEqual(readFileSync(out), readFileSync(source));
    });
  }

  it('replaces a document on a second push', async () => {
    const first = join(dir, 'v1.md');
    const second = join(dir, 'v2.md');
    writeFileSync(first, 'version one\n');
    writeFileSync(second, 'version two, shorter\n');
    assert.equal((await runCli(['push', 'lab/versioned.md', first], env)).code, 0);
    assert.equal((await runCli(['push', 'lab/versioned.md', second], env)).code, 0);
    const out = join(dir, 'versioned-out.md');
    assert.equal((await runCli(['pull', 'lab/versioned.md', '--out', out], env)).code, 0);
    assert.equal(readFileSync(out, 'utf8'), 'version two, shorter\n');
  });

  it('lists documents with their kinds', async () => {
    const listed = await runCli(['docs', 'lab', '--json'], env);
    assert.equal(listed.code, 0, listed.stderr);
    const documents = JSON.parse(listed.stdout) as { name: string; kind: string }[];
    assert.equal(documents.find((d) => d.name === 'Main_Demo.ipynb')?.kind, 'notebook');
    assert.equal(documents.find((d) => d.name === 'notes.md')?.kind, 'draft');
  });
});
