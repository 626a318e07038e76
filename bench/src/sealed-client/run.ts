/**
 * `npm run bench:sealed-client`: what a sealed space costs its members' clients, in Node and in Chromium,
 * measured by the same module (measure.ts) on the same workload (workload.ts, from a fixture notebook).
 * The browser side is shared's sealed code bundled by webpack, served from 127.0.0.1 and run in Debian's
 * Chromium through playwright-core, as the repository's browser tests do. Prints one table.
 *
 * Flags: --notebook FILE (SVD_Interpreter_Demo.ipynb) --edits N (5000) --runs N (5: whole-notebook and join
 *        figures are the median of N runs) --no-browser
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import webpack from 'webpack';
import { notebookFromContent, parseIpynb } from '@enclave/shared';
import { CHROMIUM_EXECUTABLE, CHROMIUM_FLAGS } from '../chromium.js';
import { type Cost, measureSealedCosts } from './measure.js';
import { encodeWorkload, makeWorkload, type Workload } from './workload.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../../..');
const DEFAULT_NOTEBOOK = resolve(repoRoot, '../shared/fixtures/notebooks/SVD_Interpreter_Demo.ipynb');

const { values: flags } = parseArgs({
  options: {
    notebook: { type: 'string', default: DEFAULT_NOTEBOOK },
    edits: { type: 'string', default: '5000' },
    runs: { type: 'string', default: '5' },
    'no-browser': { type: 'boolean', default: false },
  },
});
const runs = Math.max(1, Number(flags.runs));

function log(message: string): void {
  console.log(`[sealed-client ${new Date().toISOString().slice(11, 19)}] ${message}`);
}

function loadWorkload(): Workload {
  const text = readFileSync(flags.notebook, 'utf8');
  const notebook = notebookFromContent(parseIpynb(text));
  try {
    return makeWorkload(notebook.ydoc, Buffer.byteLength(text), Number(flags.edits));
  } finally {
    notebook.dispose();
  }
}

/** Bundles page.js (and with it shared's sealed code, yjs, @noble) for the browser, minified as shipped. */
async function bundlePage(outDir: string): Promise<void> {
  const compiler = webpack({
    mode: 'production',
    target: 'web',
    context: here,
    entry: './page.js',
    output: { path: outDir, filename: 'page.js' },
    devtool: false,
    infrastructureLogging: { level: 'warn' },
    performance: { hints: false },
  });
  await new Promise<void>((done, fail) =>
    compiler.run((error, stats) => {
      compiler.close(() => undefined);
      if (error) return fail(error);
      if (stats?.hasErrors()) return fail(new Error(stats.toString('errors-only')));
      done();
    }),
  );
}

async function serve(bundleDir: string, workload: Uint8Array): Promise<{ server: Server; url: string }> {
  const page = readFileSync(join(bundleDir, 'page.js'));
  const server = createServer((request, response) => {
    const send = (type: string, body: string | Uint8Array): void => {
      response.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' });
      response.end(body);
    };
    if (request.url === '/') send('text/html', '<!doctype html><meta charset="utf-8"><script src="/page.js"></script>');
    else if (request.url === '/page.js') send('text/javascript', page);
    else if (request.url === '/workload.bin') send('application/octet-stream', workload);
    else {
      response.writeHead(404);
      response.end();
    }
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

async function measureInChromium(workload: Workload): Promise<{ costs: Cost[]; version: string }> {
  const bundleDir = mkdtempSync(join(tmpdir(), 'enclave-sealed-client-'));
  try {
    await bundlePage(bundleDir);
    const { server, url } = await serve(bundleDir, encodeWorkload(workload));
    const browser = await chromium.launch({ executablePath: CHROMIUM_EXECUTABLE, args: [...CHROMIUM_FLAGS] });
    try {
      const page = await browser.newPage();
      await page.goto(url);
      await page.waitForFunction(() => typeof window.measureSealedCosts === 'function', undefined, {
        timeout: 30_000,
      });
      const costs = await page.evaluate((n) => window.measureSealedCosts(n), runs);
      return { costs, version: browser.version() };
    } finally {
      await browser.close();
      await new Promise<void>((done) => server.close(() => done()));
    }
  } finally {
    rmSync(bundleDir, { recursive: true, force: true });
  }
}

function formatMs(ms: number | undefined): string {
  if (ms === undefined || Number.isNaN(ms)) return 'n/a';
  return ms < 1 ? `${(ms * 1000).toFixed(1)} us` : `${ms.toFixed(1)} ms`;
}

function formatBytes(bytes: number): string {
  return bytes >= 2 ** 20 ? `${(bytes / 2 ** 20).toFixed(2)} MB` : `${Math.round(bytes)} B`;
}

function renderTable(node: readonly Cost[], browser: readonly Cost[] | undefined, browserName: string): string {
  const header = ['operation', 'plaintext', 'Node wall', 'Node CPU', `${browserName} wall`, `${browserName} / Node`];
  const rows = node.map((cost, i) => {
    const other = browser?.[i];
    return [
      cost.operation,
      formatBytes(cost.bytes),
      formatMs(cost.ms),
      formatMs(cost.cpuMs),
      formatMs(other?.ms),
      other ? (other.ms / cost.ms).toFixed(2) : 'n/a',
    ];
  });
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((row) => row[c]!.length)));
  const line = (cells: string[]): string =>
    `| ${cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, c) => (c === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  log(`node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}); loading ${flags.notebook}`);
  const workload = loadWorkload();
  log(
    `workload: notebook ${formatBytes(workload.notebookBytes)} (one update of ${formatBytes(workload.seed.length)}), ` +
      `${workload.edits.length} keystroke updates, snapshot ${formatBytes(workload.snapshot.length)}`,
  );
  const cpuClock = (): number => {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000;
  };
  const node = await measureSealedCosts(workload, { runs, cpuClock });
  log('Node done');
  let browser: { costs: Cost[]; version: string } | undefined;
  if (!flags['no-browser']) {
    browser = await measureInChromium(workload);
    log(`Chromium ${browser.version} done`);
  }
  console.log('');
  console.log(
    `Sealed client costs (per operation; keystroke figures are means over ${workload.edits.length}, the others ` +
      `medians of ${runs} runs; seal = XChaCha20-Poly1305 + Ed25519 sign, open = Ed25519 verify + decrypt; ` +
      `wall = one operation awaited after another, CPU = the process's CPU time, all threads; ratio on wall time)`,
  );
  console.log(renderTable(node, browser?.costs, browser ? `Chromium ${browser.version.split('.')[0]}` : 'Chromium'));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
