/**
 * Enclave in a real JupyterLab (the version ENCLAVE_JUPYTERLAB picks) (from PyPI, plugin installed with pip), a real relay, a real ipykernel
 * and Debian's Chromium; the peer is the client library in this Node process.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { chmodSync, readFileSync, rmSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  EnclaveConnection,
  type Identity,
  normalizeNotebook,
  parseIpynb,
  readNotebook,
  serializeIdentity,
} from '@enclave/shared';
import { YFile, YNotebook } from '@jupyter/ydoc';
import type { Browser, Page } from 'playwright-core';
import * as Y from 'yjs';
import { DocumentLink } from '../../src/session/document-link.js';
import { publish } from '../../src/session/publish.js';
import { TEST_CLUSTER } from '@enclave/relay/testing/cluster-relay';
import { eventually, NodeWebSocket, type RelayFixture, startRelay } from '../unit/relay-fixture.js';
import { launchBrowser, openLab, waitForApp } from './browser.js';
import {
  JUPYTERLAB_VERSION,
  type JupyterLab,
  PLUGIN_DIR,
  prepareEnvironment,
  SECOND_KERNEL,
  startJupyterLab,
} from './jupyterlab-server.js';
import { activate, dismissDialogs, execute, onWidget, widgetIdFor } from './lab-helpers.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type AnyWindow = Window & { jupyterapp: any };

const FIXTURE = '/work/shared/fixtures/notebooks/Patchscopes_Generation_Demo.ipynb';
const CLI = join(PLUGIN_DIR, '..', 'relay-server', 'dist', 'cli', 'main.js');
const RELAY = 'test';
const KERNELSPEC = { name: 'python3', display_name: 'Python 3 (ipykernel)', language: 'python' };

describe(`Enclave in JupyterLab ${JUPYTERLAB_VERSION}`, function () {
  this.timeout(180_000);
  let relay: RelayFixture;
  let lab: JupyterLab;
  let browser: Browser;
  let page: Page;
  let consoleLines: string[];
  let listing = '';
  const peers: { destroy(): void }[] = [];

  const peer = (identity: Identity, space: string, document: string, model: YNotebook | YFile) => {
    const link = new DocumentLink({
      relayUrl: relay.url,
      room: { space, document },
      identity,
      model,
      WebSocket: NodeWebSocket,
    });
    peers.push(link, { destroy: () => model.dispose() });
    return link;
  };
  const lead = async <T>(space: string, run: (c: EnclaveConnection) => Promise<T>): Promise<T> => {
    const c = new EnclaveConnection({
      relayUrl: relay.url,
      room: { space },
      identity: relay.lead,
      WebSocket: NodeWebSocket,
      reconnect: false,
    }).connect();
    try {
      return await run(c);
    } finally {
      c.destroy();
    }
  };
  const seedNotebook = (space: string, document: string, sources: string[]) =>
    publish({
      relayUrl: relay.url,
      room: { space, document },
      identity: relay.lead,
      WebSocket: NodeWebSocket,
      content: {
        kind: 'notebook',
        notebook: {
          nbformat: 4,
          nbformat_minor: 5,
          metadata: { kernelspec: KERNELSPEC },
          cells: sources.map((source, i) => ({
            id: `c${i}`,
            cell_type: 'code',
            source,
            metadata: {},
            outputs: [],
            execution_count: null,
          })),
        },
      },
    });
  const open = async (path: string): Promise<string> => {
    await execute(page, 'enclave:open', { path });
    const full = `Enclave:${RELAY}/${path}`;
    await eventually(async () => assert.ok(await widgetIdFor(page, full), `a widget for ${full}`), 20_000);
    return full;
  };
  const cellSources = (path: string) =>
    onWidget<string[]>(page, path, 'return widget.content.model.sharedModel.cells.map(c => c.getSource())');

  before(async function () {
    this.timeout(900_000);
    listing = prepareEnvironment((line) => console.log(`      [setup] ${line}`));
    relay = await startRelay('lab', { cluster: TEST_CLUSTER });
    await lead('view', async (c) => {
      await c.request({ op: 'space.create' });
      await c.request({
        op: 'members.grant',
        publicKey: relay.editor.publicKey,
        role: 'viewer',
        name: relay.editor.name,
      });
    });
    await lead('closed', (c) => c.request({ op: 'space.create' }));
    lab = await startJupyterLab({
      '@enclave/jupyter-plugin:plugin': { relays: [{ name: RELAY, url: relay.labUrl }] },
      '@jupyterlab/apputils-extension:notification': { fetchNews: 'false', checkForUpdates: false },
    });
    browser = await launchBrowser();
    ({ page, console: consoleLines } = await openLab(browser, lab.url, lab.token));
  });

  after(async () => {
    peers.splice(0).forEach((p) => p.destroy());
    await browser?.close();
    await lab?.stop();
    await relay?.close();
  });

  it('is installed by pip as a prebuilt extension, listed "enabled OK", active, on the host yjs', async () => {
    assert.match(listing, new RegExp(`JupyterLab v${JUPYTERLAB_VERSION.replaceAll('.', '\\.')}\\b`));
    assert.match(listing, /@enclave\/jupyter-plugin v0\.1\.0 enabled\s+OK/);
    // No "enabled X ... not compatible" (declared ranges must overlap the host's singletons), and no stack
    // trace from the builder's yarn.js before the list.
    assert.doesNotMatch(listing, /not compatible|\bX\b|Error|Traceback|Fail to get yarn/, listing);
    const state = await page.evaluate(() => {
      const app = (
        window as unknown as {
          jupyterapp: { isPluginActivated(id: string): boolean; commands: { hasCommand(id: string): boolean } };
        }
      ).jupyterapp;
      return {
        core: app.isPluginActivated('@enclave/jupyter-plugin:plugin'),
        ui: app.isPluginActivated('@enclave/jupyter-plugin:ui'),
        commands: ['enclave:open', 'enclave:share', 'enclave:members', 'enclave:identity-import'].every((id) =>
          app.commands.hasCommand(id),
        ),
        menu: [...document.querySelectorAll('.lm-MenuBar-itemLabel')].some((n) => n.textContent === 'Enclave'),
      };
    });
    assert.deepEqual(state, { core: true, ui: true, commands: true, menu: true });
    assert.ok(!consoleLines.some((l) => l.includes('Yjs was already imported')), 'one yjs in the page');
    // Every shared module the plugin requires is satisfied by this JupyterLab's own.
    assert.deepEqual(
      consoleLines.filter((l) => /Unsatisfied version/.test(l)),
      [],
    );
  });

  it('creates an identity on first use, then imports, keeps and exports the identity file', async () => {
    const shown = execute<{ name: string }>(page, 'enclave:identity-show', { silent: true });
    const input = page.locator('.jp-Dialog input');
    await input.waitFor();
    await input.fill('Browser Person');
    await page.locator('.jp-Dialog .jp-mod-accept').click();
    assert.equal((await shown).name, 'Browser Person');

    const imported = await execute<{ publicKey: string }>(page, 'enclave:identity-import', {
      text: serializeIdentity(relay.editor),
    });
    assert.equal(imported.publicKey, relay.editor.publicKey);
    await page.reload();
    await waitForApp(page);
    const after = await execute<{ publicKey: string; name: string }>(page, 'enclave:identity-show', { silent: true });
    assert.deepEqual([after.publicKey, after.name], [relay.editor.publicKey, relay.editor.name]);
    const [download] = await Promise.all([page.waitForEvent('download'), execute(page, 'enclave:identity-export')]);
    const file = await download.path();
    assert.equal(readFileSync(file, 'utf8'), serializeIdentity(relay.editor));
  });

  it('opens a notebook seeded into a space by the CLI in the normal notebook panel', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'enclave-cli-'));
    const identityFile = join(dir, 'lead.json');
    writeFileSync(identityFile, serializeIdentity(relay.lead));
    chmodSync(identityFile, 0o600);
    // Asynchronously: the relay runs in this process and must keep answering while the CLI talks to it.
    try {
      await promisify(execFile)(
        process.execPath,
        [CLI, 'push', 'lab/seeded.ipynb', FIXTURE, '--relay', relay.url, '--identity', identityFile],
        { timeout: 60_000 },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const path = await open('lab/seeded.ipynb');
    const expected = parseIpynb(readFileSync(FIXTURE, 'utf8'));
    await eventually(async () => assert.equal((await cellSources(path)).length, expected.cells.length), 20_000);
    const json = await onWidget<unknown>(
      page,
      path,
      'return JSON.parse(JSON.stringify(widget.content.model.toJSON()))',
    );
    assert.deepEqual(normalizeNotebook(json as typeof expected), normalizeNotebook(expected));
    assert.ok(await onWidget<boolean>(page, path, "return widget.node.classList.contains('jp-NotebookPanel')"));
  });

  it('carries edits both ways with a client-library peer: typing, insert, delete and move from each side', async () => {
    await seedNotebook('lab', 'live.ipynb', ['a = 6', 'print(a * 7)']);
    const path = await open('lab/live.ipynb');
    const nb = new YNotebook();
    nb.awareness.setLocalStateField('user', { name: 'Claimed Name' }); // the relay replaces what a client claims
    const remote = peer(relay.lead, 'lab', 'live.ipynb', nb);
    await remote.whenSynced();
    await eventually(async () => assert.deepEqual(await cellSources(path), ['a = 6', 'print(a * 7)']));

    // peer -> browser: insert, visible in the DOM
    nb.insertCell(0, { cell_type: 'markdown', source: '# from the peer' });
    await eventually(async () =>
      assert.deepEqual(await cellSources(path), ['# from the peer', 'a = 6', 'print(a * 7)']),
    );
    const id = (await widgetIdFor(page, path))!;
    await page.locator(`#${id} .jp-Cell`).nth(0).getByText('from the peer').first().waitFor({ state: 'attached' });

    // browser -> peer: typing into the cell editor
    await activate(page, path);
    const editor = page.locator(`#${id} .jp-Cell`).nth(1).locator('.cm-content');
    await editor.scrollIntoViewIfNeeded();
    await editor.click();
    await page.keyboard.press('End');
    await page.keyboard.type(' # typed');
    await eventually(() => assert.equal(nb.cells[1]?.getSource(), 'a = 6 # typed'));

    // browser -> peer: insert, move, delete through JupyterLab's notebook commands
    await page.keyboard.press('Escape');
    await execute(page, 'notebook:insert-cell-below');
    await eventually(() => assert.equal(nb.cells.length, 4));
    await onWidget(page, path, 'widget.content.activeCellIndex = 0');
    await execute(page, 'notebook:move-cell-down');
    await eventually(() =>
      assert.deepEqual(
        nb.cells.map((c) => c.cell_type),
        ['code', 'markdown', 'code', 'code'],
      ),
    );
    await onWidget(page, path, 'widget.content.activeCellIndex = 2');
    await execute(page, 'notebook:delete-cell');
    await eventually(() =>
      assert.deepEqual(
        nb.cells.map((c) => c.getSource()),
        ['a = 6 # typed', '# from the peer', 'print(a * 7)'],
      ),
    );

    // peer -> browser: move and delete
    nb.moveCell(1, 0);
    await eventually(async () =>
      assert.deepEqual(await cellSources(path), ['# from the peer', 'a = 6 # typed', 'print(a * 7)']),
    );
    nb.deleteCell(0);
    await eventually(async () => assert.deepEqual(await cellSources(path), ['a = 6 # typed', 'print(a * 7)']));

    // presence: the peer appears in the toolbar under the identity the relay stamped, not the name it claimed
    await eventually(async () => {
      const badges = await page.locator(`#${id} .enclave-participant`).evaluateAll((nodes) =>
        nodes.map((n) => ({
          key: (n as HTMLElement).dataset['publicKey'],
          title: (n as HTMLElement).title,
          color: (n as HTMLElement).style.backgroundColor,
        })),
      );
      const lead = badges.find((b) => b.key === relay.lead.publicKey);
      assert.ok(lead, `participants: ${JSON.stringify(badges)}`);
      assert.ok(!lead.title.includes('Claimed Name'), lead.title);
      assert.ok(lead.color, 'a colour');
      assert.ok(badges.some((b) => b.key === relay.editor.publicKey && b.title.includes('(you)')));
    });
  });

  it("shows collaborators' cursors with their stamped names, and publishes its own", async () => {
    const path = `Enclave:${RELAY}/lab/live.ipynb`;
    const nb = new YNotebook();
    const remote = peer(relay.editor, 'lab', 'live.ipynb', nb);
    await remote.whenSynced();
    const ytext = (nb.cells[0] as unknown as { ysource: Y.Text }).ysource;
    const at = (i: number) => Y.relativePositionToJSON(Y.createRelativePositionFromTypeIndex(ytext, i));
    nb.awareness.setLocalStateField('cursors', [{ anchor: at(1), head: at(4), primary: true, empty: false }]);
    const id = (await widgetIdFor(page, path))!;
    const label = page.locator(`#${id} .jp-Cell`).nth(0).locator('.enclave-remote-caret-label');
    await label.first().waitFor({ state: 'attached' });
    assert.equal(await label.first().textContent(), relay.editor.name);
    assert.equal((await page.locator(`#${id} .jp-Cell`).nth(0).locator('.enclave-remote-selection').count()) > 0, true);

    await activate(page, path);
    const editor = page.locator(`#${id} .jp-Cell`).nth(1).locator('.cm-content');
    await editor.scrollIntoViewIfNeeded();
    await editor.click();
    const target = (nb.cells[1] as unknown as { ysource: Y.Text }).ysource;
    await eventually(() => {
      const browserState = [...nb.awareness.getStates().values()].find(
        (s) => s['user']?.publicKey === relay.editor.publicKey && s['cursors']?.length,
      );
      assert.ok(browserState, 'the browser publishes its cursor');
      const position = Y.createAbsolutePositionFromRelativePosition(
        Y.createRelativePositionFromJSON(browserState['cursors'][0].head),
        nb.ydoc,
      );
      assert.equal(position?.type, target);
    });
  });

  it('runs the cells on a real ipykernel and the outputs reach the peer', async () => {
    const path = `Enclave:${RELAY}/lab/live.ipynb`;
    await activate(page, path);
    await onWidget(page, path, 'return widget.sessionContext.ready');
    await eventually(
      async () => assert.ok(await onWidget<boolean>(page, path, 'return !!widget.sessionContext.session?.kernel')),
      60_000,
    );
    await execute(page, 'notebook:run-all-cells');
    const remote = new YNotebook();
    const link = peer(relay.viewer, 'lab', 'live.ipynb', remote);
    await link.whenSynced();
    await eventually(() => {
      const printCell = remote.cells.find((c) => c.getSource().startsWith('print'));
      const outputs =
        ((printCell?.toJSON() ?? {}) as { outputs?: { output_type: string; text?: string }[] }).outputs ?? [];
      assert.deepEqual(
        outputs.map((o) => [o.output_type, o.text]),
        [['stream', '42\n']],
      );
    }, 60_000);
  });

  it('opens a draft in the file editor and edits it both ways', async () => {
    await publish({
      relayUrl: relay.url,
      room: { space: 'lab', document: 'notes.md' },
      identity: relay.lead,
      WebSocket: NodeWebSocket,
      content: { kind: 'draft', text: 'line one\n' },
    });
    const path = await open('lab/notes.md');
    const file = new YFile();
    const remote = peer(relay.lead, 'lab', 'notes.md', file);
    await remote.whenSynced();
    const text = () => onWidget<string>(page, path, 'return widget.context.model.sharedModel.getSource()');
    await eventually(async () => assert.equal(await text(), 'line one\n'));
    assert.ok(await onWidget<boolean>(page, path, "return widget.node.querySelector('.jp-FileEditor') !== null"));
    file.updateSource(0, 0, 'peer: ');
    await eventually(async () => assert.equal(await text(), 'peer: line one\n'));
    const id = (await widgetIdFor(page, path))!;
    await activate(page, path);
    await page.locator(`#${id} .cm-content`).click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type('browser line');
    await eventually(() => assert.equal(file.getSource(), 'peer: line one\nbrowser line'));
  });

  it('shares a local notebook into a new document that the peer then opens', async () => {
    writeFileSync(
      join(lab.rootDir, 'local.ipynb'),
      JSON.stringify({
        nbformat: 4,
        nbformat_minor: 5,
        metadata: { kernelspec: KERNELSPEC },
        cells: [
          { id: 'x1', cell_type: 'code', source: 'local = True', metadata: {}, outputs: [], execution_count: null },
        ],
      }),
    );
    await execute(page, 'docmanager:open', { path: 'local.ipynb' });
    await eventually(async () => assert.ok(await widgetIdFor(page, 'local.ipynb')), 20_000);
    await onWidget(page, 'local.ipynb', 'return widget.context.ready');
    await execute(page, 'enclave:share', { path: 'local.ipynb', target: 'lab/from-lab.ipynb' });
    await eventually(async () => assert.ok(await widgetIdFor(page, `Enclave:${RELAY}/lab/from-lab.ipynb`)), 20_000);
    const nb = new YNotebook();
    await peer(relay.lead, 'lab', 'from-lab.ipynb', nb).whenSynced();
    assert.deepEqual(
      nb.cells.map((c) => c.getSource()),
      ['local = True'],
      consoleLines.filter((l) => /error|warn/i.test(l)).join('\n'),
    );
    await eventually(async () =>
      assert.deepEqual(await cellSources(`Enclave:${RELAY}/lab/from-lab.ipynb`), ['local = True']),
    );
    assert.equal((await widgetIdFor(page, 'local.ipynb')) !== null, true, 'the local notebook stays open as it was');
  });

  it('gives a browser whose key is not on the access list nothing', async () => {
    await publish({
      relayUrl: relay.url,
      room: { space: 'closed', document: 'secret.ipynb' },
      identity: relay.lead,
      WebSocket: NodeWebSocket,
      content: { kind: 'notebook', notebook: parseIpynb(readFileSync(FIXTURE, 'utf8')) },
    });
    await execute(page, 'enclave:open', { path: 'closed/secret.ipynb' });
    await page.locator('.jp-Dialog').first().waitFor({ timeout: 20_000 });
    const dialogs = await dismissDialogs(page);
    assert.ok(
      dialogs.some((d) => /access denied|not a member/i.test(d)),
      dialogs.join(' | '),
    );
    const path = `Enclave:${RELAY}/closed/secret.ipynb`;
    if (await widgetIdFor(page, path)) assert.deepEqual(await cellSources(path), []);
    const audit = await lead('closed', (c) => c.request({ op: 'audit.list' }));
    assert.ok(audit.entries.some((e) => e.event === 'refused' && e.actor === relay.editor.publicKey));
  });

  it('opening a notebook and starting its kernel rewrites nothing; an explicit kernel change does', async () => {
    const source = parseIpynb(readFileSync(FIXTURE, 'utf8'));
    source.metadata = {
      ...source.metadata,
      kernelspec: { name: 'python3', display_name: 'Python 3 (as pushed)', language: 'python' },
      language_info: { name: 'python', version: '3.0.0' },
    };
    // Legacy view state as classic Jupyter wrote it; JupyterLab's cells would rewrite `scrolled`.
    const legacy = [{ collapsed: false, scrolled: false }, { scrolled: 'auto' }, { collapsed: true, scrolled: true }];
    source.cells.forEach((cell, i) => Object.assign(cell.metadata, legacy[i % legacy.length]));
    await publish({
      relayUrl: relay.url,
      room: { space: 'lab', document: 'as-pushed.ipynb' },
      identity: relay.lead,
      WebSocket: NodeWebSocket,
      content: { kind: 'notebook', notebook: source },
    });
    const path = await open('lab/as-pushed.ipynb');
    await eventually(async () => assert.equal((await cellSources(path)).length, source.cells.length), 20_000);
    await activate(page, path);
    await eventually(
      async () => assert.ok(await onWidget<boolean>(page, path, 'return !!widget.sessionContext.session?.kernel')),
      60_000,
    );
    // Everything JupyterLab does with a new kernel's info and spec has happened once both resolve.
    await onWidget(page, path, 'const k = widget.sessionContext.session.kernel; return Promise.all([k.info, k.spec])');
    const nb = new YNotebook();
    await peer(relay.viewer, 'lab', 'as-pushed.ipynb', nb).whenSynced();
    // Updates from one connection arrive in order: once the browser's later awareness state reaches the peer,
    // any write the browser made before it has too.
    const mark = async (value: number): Promise<void> => {
      await onWidget(page, path, `widget.context.model.sharedModel.awareness.setLocalStateField('mark', ${value})`);
      await eventually(() => assert.ok([...nb.awareness.getStates().values()].some((s) => s['mark'] === value)));
    };
    await mark(1);
    const seen = readNotebook(nb);
    assert.deepEqual(seen.metadata, source.metadata);
    assert.deepEqual(
      seen.cells.map((c) => c.metadata),
      source.cells.map((c) => c.metadata),
    );
    assert.deepEqual(normalizeNotebook(seen), normalizeNotebook(source));

    await onWidget(page, path, `return widget.sessionContext.changeKernel({ name: '${SECOND_KERNEL}' })`);
    await eventually(() => {
      const metadata = readNotebook(nb).metadata;
      assert.equal(metadata.kernelspec?.name, SECOND_KERNEL);
      assert.equal(metadata.kernelspec?.display_name, 'Python (second kernel)');
      assert.notEqual(metadata.language_info?.version, '3.0.0');
    }, 60_000);
    await onWidget(page, path, 'return widget.sessionContext.shutdown()');
  });

  it("makes a viewer's notebook read-only, and the viewer's keys change nothing", async () => {
    await seedNotebook('view', 'report.ipynb', ['x = 1']);
    const path = await open('view/report.ipynb');
    await eventually(async () => assert.deepEqual(await cellSources(path), ['x = 1']));
    const id = (await widgetIdFor(page, path))!;
    await page.locator(`#${id} .enclave-status`).filter({ hasText: 'viewer' }).waitFor();
    await eventually(async () =>
      assert.ok(
        await onWidget<boolean>(
          page,
          path,
          'return widget.content.widgets.length > 0 && widget.content.widgets.every(c => c.readOnly)',
        ),
      ),
    );
    await activate(page, path);
    await page.locator(`#${id} .jp-Cell .cm-content`).first().click();
    await page.keyboard.type('zzz');
    const nb = new YNotebook();
    await peer(relay.lead, 'view', 'report.ipynb', nb).whenSynced();
    nb.insertCell(1, { cell_type: 'code', source: 'y = 2' }); // the pipe is live: the viewer receives this
    await eventually(async () => assert.deepEqual(await cellSources(path), ['x = 1', 'y = 2']));
    assert.deepEqual(
      nb.cells.map((c) => c.getSource()),
      ['x = 1', 'y = 2'],
    );

    // Command-mode shortcuts that would insert, delete, cut, paste or run cells change nothing either.
    await activate(page, path);
    await page.keyboard.press('Escape');
    for (const key of ['a', 'b', 'd', 'd', 'x', 'v', 'm', 'Shift+Enter', 'Control+Enter'])
      await page.keyboard.press(key);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.deepEqual(await cellSources(path), ['x = 1', 'y = 2']);
    assert.equal(
      await onWidget<string>(page, path, 'return widget.content.widgets.map(c => c.model.type).join()'),
      'code,code',
    );

    // Menus, context menu and toolbar: the commands that would change the notebook are disabled, reading
    // ones are not, and running one directly changes nothing.
    const enabled = (ids: string[]) =>
      page.evaluate((ids) => ids.map((id) => (window as unknown as AnyWindow).jupyterapp.commands.isEnabled(id)), ids);
    const editing = [
      'notebook:insert-cell-below',
      'notebook:delete-cell',
      'notebook:cut-cell',
      'notebook:paste-cell-below',
      'notebook:move-cell-down',
      'notebook:change-cell-to-markdown',
      'notebook:run-cell',
      'notebook:clear-all-cell-outputs',
      'notebook:hide-cell-outputs',
      'runmenu:run-all',
      'editmenu:undo',
      'kernelmenu:change',
    ];
    assert.deepEqual(
      await enabled(editing),
      editing.map(() => false),
    );
    assert.deepEqual(await enabled(['notebook:copy-cell', 'notebook:select-all']), [true, true]);
    for (const id of ['notebook:delete-cell', 'notebook:insert-cell-above', 'notebook:change-cell-to-raw'])
      await assert.rejects(execute(page, id), /read-only/);
    const insertButton = page.locator(`#${id} .jp-Toolbar-item[data-command="notebook:insert-cell-below"] button`);
    if ((await insertButton.count()) > 0) assert.ok(await insertButton.first().isDisabled(), 'toolbar insert disabled');
    assert.ok(!(await page.locator(`#${id} .jp-Notebook-toolbarCellType`).isVisible()), 'no cell type dropdown');
    await page.locator(`#${id} .jp-Cell .jp-InputPrompt`).first().click({ button: 'right' });
    const deleteItem = page.locator('.lm-Menu-item[data-command="notebook:delete-cell"]').first();
    await deleteItem.waitFor();
    assert.ok((await deleteItem.getAttribute('class'))?.includes('lm-mod-disabled'), 'context menu delete disabled');
    await page.keyboard.press('Escape');
    // The viewer's own copy is the room's, metadata included (no `editable: false` written by the viewer).
    assert.deepEqual(
      JSON.parse(
        await onWidget<string>(page, path, 'return JSON.stringify(widget.content.model.sharedModel.toJSON())'),
      ),
      JSON.parse(JSON.stringify(nb.toJSON())),
    );
  });
});
