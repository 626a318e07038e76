/**
 * Issue 11, daily use in a real JupyterLab (the version ENCLAVE_JUPYTERLAB picks) against a real relay:
 * browsing relays, spaces and documents in the Enclave panel (nobody types a path). The browser's identity
 * is the fixture's editor; the lead is the client library in this process.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CURSORS_FIELD,
  cursorJson,
  EnclaveConnection,
  fingerprint,
  readRunningCells,
  readStampedUser,
  RUNNING_FIELD,
  type Identity,
  serializeIdentity,
} from '@enclave/shared';
import type { Browser, Page } from 'playwright-core';
import { YNotebook, type YCodeCell } from '@jupyter/ydoc';
import { DocumentLink } from '../../src/session/document-link.js';
import { publish } from '../../src/session/publish.js';
import { TEST_CLUSTER } from '@enclave/relay/testing/cluster-relay';
import { eventually, NodeWebSocket, type RelayFixture, startRelay } from '../unit/relay-fixture.js';
import { launchBrowser, openLab } from './browser.js';
import { JUPYTERLAB_VERSION, type JupyterLab, prepareEnvironment, startJupyterLab } from './jupyterlab-server.js';
import { KERNELSPEC, relayHelpers } from './relay-helpers.js';
import { activate, dismissDialogs, execute, onWidget, widgetIdFor } from './lab-helpers.js';

const RELAY = 'test';

describe(`Enclave daily use in JupyterLab ${JUPYTERLAB_VERSION}`, function () {
  this.timeout(90_000);
  let relay: RelayFixture;
  let lab: JupyterLab;
  let browser: Browser;
  let page: Page;
  let me: Identity;
  const closeLater: { destroy(): void }[] = [];

  const { onSpace, createSpace, seed } = relayHelpers(() => relay);
  const documentNames = async (space: string) =>
    (await onSpace(space, (c) => c.request({ op: 'documents.list' }))).documents.map((d) => d.name).sort();
  const panel = () => page.locator('#enclave-browser');
  const spaceItem = (space: string) =>
    panel().locator(`.enclave-relay[data-relay="${RELAY}"] .enclave-space[data-space="${space}"]`);
  const expand = async (space: string) => {
    await spaceItem(space).locator('summary').click();
    await spaceItem(space).locator('.enclave-space-body').waitFor({ timeout: 20_000 });
  };

  before(async function () {
    this.timeout(900_000);
    prepareEnvironment((line) => console.log(`      [setup] ${line}`));
    relay = await startRelay('lab', { cluster: TEST_CLUSTER });
    me = relay.editor;
    await createSpace('led', [[me, 'lead']]);
    await createSpace('elsewhere', [[relay.viewer, 'editor']]);
    lab = await startJupyterLab({
      '@enclave/jupyter-plugin:plugin': { relays: [{ name: RELAY, url: relay.labUrl }] },
      '@jupyterlab/apputils-extension:notification': { fetchNews: 'false', checkForUpdates: false },
    });
    browser = await launchBrowser();
    ({ page } = await openLab(browser, lab.url, lab.token));
    await execute(page, 'enclave:identity-import', { text: serializeIdentity(me) });
  });

  after(async () => {
    closeLater.splice(0).forEach((c) => c.destroy());
    await browser?.close();
    await lab?.stop();
    await relay?.close();
  });

  it("lists the person's spaces on each relay (and no one else's), and opens a document with a click", async () => {
    await seed('lab', 'seen.ipynb', ['# seen from the panel']);
    await execute(page, 'enclave:browse');
    await eventually(async () => {
      const spaces = await panel()
        .locator('.enclave-space')
        .evaluateAll((nodes) =>
          nodes.map((n) => `${(n as HTMLElement).dataset['space']}:${n.querySelector('.enclave-role')?.textContent}`),
        );
      assert.deepEqual(spaces.sort(), ['lab:editor', 'led:lead'], 'not "elsewhere", which is not theirs');
    }, 20_000);
    await expand('lab');
    await spaceItem('lab').locator('.enclave-document[data-document="seen.ipynb"]').click();
    const path = `Enclave:${RELAY}/lab/seen.ipynb`;
    await eventually(async () => assert.ok(await widgetIdFor(page, path)), 20_000);
    await eventually(async () =>
      assert.deepEqual(
        await onWidget<string[]>(page, path, 'return widget.content.model.sharedModel.cells.map(c => c.getSource())'),
        ['# seen from the panel'],
      ),
    );
    // Members with roles; the person is marked present once their document is open.
    await eventually(async () => {
      const rows = await spaceItem('lab').locator('.enclave-member').allInnerTexts();
      assert.ok(
        rows.some((r) => r.includes('Ada Lead') && r.includes('lead')),
        rows.join(' | '),
      );
      assert.ok(
        rows.some((r) => r.includes('Vic Viewer') && r.includes('viewer')),
        rows.join(' | '),
      );
      const present = await spaceItem('lab')
        .locator('.enclave-present')
        .evaluateAll((nodes) => nodes.map((n) => (n as HTMLElement).dataset['publicKey']));
      assert.deepEqual(present, [me.publicKey]);
    }, 20_000);
  });

  it('creates a new notebook and a new draft in a space, and shares the local file in front into it', async () => {
    await spaceItem('lab').locator('.enclave-new-notebook').click();
    const input = page.locator('.jp-Dialog input');
    await input.fill('fresh.ipynb');
    await page.locator('.jp-Dialog .jp-mod-accept').click();
    await eventually(async () => assert.ok(await widgetIdFor(page, `Enclave:${RELAY}/lab/fresh.ipynb`)), 20_000);
    // A new notebook has no kernel yet: JupyterLab asks which one, as for any new notebook.
    await page
      .locator('.jp-Dialog')
      .filter({ hasText: /kernel/i })
      .waitFor({ timeout: 20_000 });
    await dismissDialogs(page);
    await spaceItem('lab').locator('.enclave-new-draft').click();
    await input.fill('notes.md');
    await page.locator('.jp-Dialog .jp-mod-accept').click();
    await eventually(async () => assert.ok(await widgetIdFor(page, `Enclave:${RELAY}/lab/notes.md`)), 20_000);
    assert.deepEqual(await documentNames('lab'), ['fresh.ipynb', 'notes.md', 'seen.ipynb']);
    // The panel lists them too.
    await spaceItem('lab').locator('.enclave-document[data-document="notes.md"]').waitFor({ timeout: 20_000 });

    // A name already taken is not replaced from the panel: the person is told, the document keeps its content.
    await spaceItem('lab').locator('.enclave-new-notebook').click();
    await input.fill('seen.ipynb');
    await page.locator('.jp-Dialog .jp-mod-accept').click();
    await eventually(async () => {
      const texts = await page.locator('.jp-Dialog').allInnerTexts();
      assert.ok(
        texts.some((t) => /already has content/.test(t)),
        texts.join(' | '),
      );
    }, 20_000);
    await dismissDialogs(page);

    writeFileSync(
      join(lab.rootDir, 'mine.ipynb'),
      JSON.stringify({
        nbformat: 4,
        nbformat_minor: 5,
        metadata: { kernelspec: KERNELSPEC },
        cells: [{ id: 'm1', cell_type: 'code', source: 'mine = 1', metadata: {}, outputs: [], execution_count: null }],
      }),
    );
    await execute(page, 'docmanager:open', { path: 'mine.ipynb' });
    await eventually(async () => assert.ok(await widgetIdFor(page, 'mine.ipynb')), 20_000);
    await onWidget(page, 'mine.ipynb', 'return widget.context.ready');
    await spaceItem('lab').locator('.enclave-share-here').click();
    await eventually(async () => assert.equal(await input.inputValue(), `${RELAY}/lab/mine.ipynb`), 20_000);
    await page.locator('.jp-Dialog .jp-mod-accept').click();
    await eventually(async () => assert.ok(await widgetIdFor(page, `Enclave:${RELAY}/lab/mine.ipynb`)), 20_000);
    assert.ok((await documentNames('lab')).includes('mine.ipynb'));
  });

  it("shows a lead the space's pending requests and open invites, and acts on them", async () => {
    const asking = new EnclaveConnection({
      relayUrl: relay.url,
      room: { space: 'led' },
      identity: relay.stranger,
      WebSocket: NodeWebSocket,
      reconnect: false,
      accessRequest: { name: relay.stranger.name, message: 'let me in please' },
    }).connect();
    closeLater.push(asking);
    await eventually(() => assert.equal(asking.status, 'waiting'), 20_000);
    const { invite } = await onSpace(
      'led',
      (c) => c.request({ op: 'invites.create', role: 'viewer', expiresInSeconds: 3600 }),
      me,
    );
    await execute(page, 'enclave:browse');
    await expand('led');
    const request = spaceItem('led').locator('.enclave-space-request');
    await eventually(async () => assert.match(await request.innerText(), /Sam Stranger.*let me in please/), 20_000);
    const inviteRow = spaceItem('led').locator(`.enclave-space-invite[data-invite-id="${invite.id}"]`);
    await inviteRow.waitFor({ timeout: 20_000 });
    assert.match(await inviteRow.innerText(), /viewer/);

    await request.locator('.enclave-deny').click();
    await eventually(
      async () => assert.equal(await spaceItem('led').locator('.enclave-space-request').count(), 0),
      20_000,
    );
    const denied = await onSpace('led', (c) => c.request({ op: 'requests.list', status: 'denied' }), me);
    assert.deepEqual(
      denied.requests.map((r) => r.publicKey),
      [relay.stranger.publicKey],
    );
    await inviteRow.locator('.enclave-revoke-invite').click();
    await eventually(
      async () => assert.equal(await spaceItem('led').locator('.enclave-space-invite').count(), 0),
      20_000,
    );
    const invites = await onSpace('led', (c) => c.request({ op: 'invites.list' }), me);
    assert.equal(invites.invites.find((i) => i.id === invite.id)?.status, 'revoked');
  });

  it('says connected at a glance, and marks a document read-only with a banner when a lead removes the person', async () => {
    await createSpace('rev', [[me, 'editor']]);
    await seed('rev', 'kept.ipynb', ['# before the revoke']);
    await execute(page, 'enclave:open', { path: 'rev/kept.ipynb' });
    const path = `Enclave:${RELAY}/rev/kept.ipynb`;
    await eventually(async () => assert.ok(await widgetIdFor(page, path)), 20_000);
    const id = (await widgetIdFor(page, path))!;
    const status = page.locator(`#${id} .enclave-status`);
    await eventually(async () => {
      assert.equal(await status.locator('.enclave-status-label').innerText(), 'Connected · editor');
      assert.match((await status.getAttribute('class')) ?? '', /enclave-status-ok/);
      assert.equal(await status.locator('.enclave-status-icon').innerText(), '●');
    }, 20_000);
    assert.equal(await page.locator(`#${id} .enclave-removed-banner`).count(), 0, 'no banner while a member');

    await onSpace('rev', (c) => c.request({ op: 'members.revoke', publicKey: me.publicKey }));
    const banner = page.locator(`#${id} .enclave-removed-banner`);
    await banner.waitFor({ timeout: 20_000 });
    assert.match(await banner.innerText(), /removed from the space "rev".*no longer shared/s);
    // Shown, not only present: it takes room above the notebook.
    await eventually(async () => assert.ok(((await banner.boundingBox())?.height ?? 0) >= 40, 'the banner is visible'));
    await eventually(async () => {
      assert.match(await status.innerText(), /Removed · access revoked/);
      assert.match((await status.getAttribute('class')) ?? '', /enclave-status-stopped/);
    });
    // Editing is disabled: the model and every cell are read-only, and typing changes nothing.
    await eventually(async () =>
      assert.deepEqual(
        await onWidget<boolean[]>(
          page,
          path,
          'return [widget.content.model.readOnly, ...widget.content.widgets.map(c => c.readOnly)]',
        ),
        [true, true],
      ),
    );
    await page.locator(`#${id} .jp-Cell`).first().click();
    await page.keyboard.press('Enter'); // edit mode, if it were allowed
    await page.keyboard.type('zzz');
    await page.keyboard.press('Escape');
    await page.keyboard.press('d');
    await page.keyboard.press('d');
    assert.deepEqual(
      await onWidget<string[]>(page, path, 'return widget.content.model.sharedModel.cells.map(c => c.getSource())'),
      ['# before the revoke'],
    );
  });

  it('on a refusal shows only the helpful explanation (Request Access, Copy My Key), then closes the tab', async () => {
    await seed('elsewhere', 'not-mine.ipynb', ['# not for this browser']);
    await execute(page, 'enclave:open', { path: 'elsewhere/not-mine.ipynb' });
    const help = page.locator('.jp-Dialog');
    await help.filter({ hasText: 'Access denied to elsewhere' }).waitFor({ timeout: 20_000 });
    const buttons = await help.locator('button').allInnerTexts();
    assert.deepEqual(buttons.map((b) => b.trim()).sort(), ['Close', 'Copy My Key', 'Request Access']);
    await help.locator('button', { hasText: 'Close' }).click();
    await help.waitFor({ state: 'detached', timeout: 5000 });
    // Nothing follows it: no generic "File Load Error" or "Cannot open" box, and no empty tab is left behind.
    const deadline = Date.now() + 2000;
    while (Date.now() < deadline) {
      assert.equal(
        await page.locator('.jp-Dialog').count(),
        0,
        (await page.locator('.jp-Dialog').allInnerTexts()).join(' | '),
      );
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await eventually(async () =>
      assert.equal(await widgetIdFor(page, `Enclave:${RELAY}/elsewhere/not-mine.ipynb`), null),
    );
  });

  it('says what an identity import imported (name, fingerprint), or why it failed', async () => {
    const failing = execute(page, 'enclave:identity-import', { text: '{"name": "x"' });
    await page.locator('.jp-Dialog').filter({ hasText: 'Cannot import the identity' }).waitFor({ timeout: 20_000 });
    const texts = await dismissDialogs(page);
    assert.ok(
      texts.some((t) => t.includes('the identity file is not JSON')),
      texts.join(' | '),
    );
    assert.equal(await failing, undefined);
    await execute(page, 'enclave:identity-import', { text: serializeIdentity(me) });
    const print = await fingerprint(me.publicKey);
    await page.getByText(`Imported the Enclave identity "${me.name}" (${print})`).first().waitFor({ timeout: 20_000 });
  });

  it("undoes only the person's own edit: a collaborator's typing in the same cell stays, and redo brings it back", async () => {
    await publish({
      relayUrl: relay.url,
      room: { space: 'lab', document: 'undo.ipynb' },
      identity: relay.lead,
      WebSocket: NodeWebSocket,
      content: {
        kind: 'notebook',
        notebook: {
          nbformat: 4,
          nbformat_minor: 5,
          metadata: { kernelspec: KERNELSPEC },
          cells: [{ id: 'u1', cell_type: 'code', source: 'x = 1', metadata: {}, outputs: [], execution_count: null }],
        },
      },
    });
    await execute(page, 'enclave:open', { path: 'lab/undo.ipynb' });
    const path = `Enclave:${RELAY}/lab/undo.ipynb`;
    await eventually(async () => assert.ok(await widgetIdFor(page, path)), 20_000);
    const id = (await widgetIdFor(page, path))!;
    const browserSource = () =>
      onWidget<string>(page, path, 'return widget.content.model.sharedModel.cells[0].getSource()');
    await eventually(async () => assert.equal(await browserSource(), 'x = 1'), 20_000);
    const nb = new YNotebook();
    const other = new DocumentLink({
      relayUrl: relay.url,
      room: { space: 'lab', document: 'undo.ipynb' },
      identity: relay.lead,
      model: nb,
      WebSocket: NodeWebSocket,
    });
    closeLater.push(other, { destroy: () => nb.dispose() });
    await other.whenSynced();

    // A (the browser) types at the end of the cell...
    const editor = page.locator(`#${id} .jp-Cell`).first().locator('.cm-content');
    await editor.click();
    await page.keyboard.press('End');
    await page.keyboard.type(' # mine');
    await eventually(() => assert.equal(nb.cells[0]!.getSource(), 'x = 1 # mine'), 20_000);
    // ...B types at its start...
    (nb.cells[0] as YCodeCell).updateSource(0, 0, 'theirs = 2; ');
    await eventually(async () => assert.equal(await browserSource(), 'theirs = 2; x = 1 # mine'), 20_000);
    // ...A presses undo: only A's typing goes, for everyone; B's stays.
    await page.keyboard.press('Control+z');
    await eventually(async () => assert.equal(await browserSource(), 'theirs = 2; x = 1'), 20_000);
    await eventually(() => assert.equal(nb.cells[0]!.getSource(), 'theirs = 2; x = 1'), 20_000);
    // A second undo has nothing of A's left to take back: B's edit is not on A's stack.
    await page.keyboard.press('Control+z');
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(await browserSource(), 'theirs = 2; x = 1');
    await page.keyboard.press('Control+y'); // redo (JupyterLab 4.6.0 binds no Ctrl+Shift+Z redo in cells)
    await eventually(() => assert.equal(nb.cells[0]!.getSource(), 'theirs = 2; x = 1 # mine'), 20_000);
    await page.keyboard.press('Escape');
  });

  it('follows a participant: jumps to the cell of their cursor, keeps up as they move, stops at an own click', async () => {
    const sources = Array.from({ length: 8 }, (_, i) =>
      Array.from({ length: 12 }, (_, l) => `c${i}_${l} = ${l}`).join('\n'),
    );
    await publish({
      relayUrl: relay.url,
      room: { space: 'lab', document: 'follow.ipynb' },
      identity: relay.lead,
      WebSocket: NodeWebSocket,
      content: {
        kind: 'notebook',
        notebook: {
          nbformat: 4,
          nbformat_minor: 5,
          metadata: { kernelspec: KERNELSPEC },
          cells: sources.map((source, i) => ({
            id: `f${i}`,
            cell_type: 'code',
            source,
            metadata: {},
            outputs: [],
            execution_count: null,
          })),
        },
      },
    });
    await execute(page, 'enclave:open', { path: 'lab/follow.ipynb' });
    const path = `Enclave:${RELAY}/lab/follow.ipynb`;
    await eventually(async () => assert.ok(await widgetIdFor(page, path)), 20_000);
    const id = (await widgetIdFor(page, path))!;
    const nb = new YNotebook();
    const other = new DocumentLink({
      relayUrl: relay.url,
      room: { space: 'lab', document: 'follow.ipynb' },
      identity: relay.lead,
      model: nb,
      WebSocket: NodeWebSocket,
    });
    closeLater.push(other, { destroy: () => nb.dispose() });
    await other.whenSynced();
    const moveTo = (cell: number) =>
      nb.awareness.setLocalStateField(CURSORS_FIELD, [cursorJson((nb.cells[cell] as YCodeCell).ysource, 5, 5)]);
    const active = () => onWidget<number>(page, path, 'return widget.content.activeCellIndex');
    moveTo(0);
    const badge = page.locator(`#${id} .enclave-participant[data-public-key="${relay.lead.publicKey}"]`);
    await badge.click({ timeout: 20_000 });
    await eventually(async () => assert.match((await badge.getAttribute('class')) ?? '', /enclave-followed/));
    moveTo(6);
    await eventually(async () => assert.equal(await active(), 6), 20_000);
    moveTo(2);
    await eventually(async () => assert.equal(await active(), 2), 20_000);
    // The follower's own click stops following: the view stays where they clicked.
    await page.locator(`#${id} .jp-Cell`).nth(3).locator('.jp-InputPrompt').click();
    await eventually(async () => assert.equal(await active(), 3));
    await eventually(async () => assert.doesNotMatch((await badge.getAttribute('class')) ?? '', /enclave-followed/));
    moveTo(7);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(await active(), 3, 'no longer following');
  });

  it('shows who is running which cell, both ways', async () => {
    await publish({
      relayUrl: relay.url,
      room: { space: 'lab', document: 'run.ipynb' },
      identity: relay.lead,
      WebSocket: NodeWebSocket,
      content: {
        kind: 'notebook',
        notebook: {
          nbformat: 4,
          nbformat_minor: 5,
          metadata: { kernelspec: KERNELSPEC },
          cells: ['import time\ntime.sleep(4)', 'x = 2'].map((source, i) => ({
            id: `r${i}`,
            cell_type: 'code',
            source,
            metadata: {},
            outputs: [],
            execution_count: null,
          })),
        },
      },
    });
    await execute(page, 'enclave:open', { path: 'lab/run.ipynb' });
    const path = `Enclave:${RELAY}/lab/run.ipynb`;
    await eventually(async () => assert.ok(await widgetIdFor(page, path)), 20_000);
    const id = (await widgetIdFor(page, path))!;
    const nb = new YNotebook();
    const other = new DocumentLink({
      relayUrl: relay.url,
      room: { space: 'lab', document: 'run.ipynb' },
      identity: relay.lead,
      model: nb,
      WebSocket: NodeWebSocket,
    });
    closeLater.push(other, { destroy: () => nb.dispose() });
    await other.whenSynced();
    // The collaborator runs cell 1: the browser labels that cell with their name, and only that one.
    nb.awareness.setLocalStateField(RUNNING_FIELD, ['r1']);
    const label = page.locator(`#${id} .jp-Cell`).nth(1).locator('.enclave-running');
    await label.waitFor({ timeout: 20_000 });
    assert.equal(await label.innerText(), '▶ Ada Lead running');
    assert.equal(await page.locator(`#${id} .enclave-running`).count(), 1);
    nb.awareness.setLocalStateField(RUNNING_FIELD, []);
    await label.waitFor({ state: 'detached', timeout: 20_000 });

    // The browser runs cell 0 on its kernel: the collaborator sees who runs it until the run ends.
    const browserRuns = () =>
      [...nb.awareness.getStates().values()]
        .filter((state) => readStampedUser(state)?.publicKey === me.publicKey)
        .flatMap((state) => readRunningCells(state));
    await activate(page, path);
    await onWidget(page, path, 'return widget.sessionContext.ready');
    await eventually(
      async () => assert.ok(await onWidget<boolean>(page, path, 'return !!widget.sessionContext.session?.kernel')),
      60_000,
    );
    // Every value the collaborator saw, however short the run.
    const seen: string[][] = [];
    nb.awareness.on('change', () => seen.push(browserRuns()));
    await onWidget(page, path, 'widget.content.activeCellIndex = 0');
    await execute(page, 'notebook:run-cell');
    await eventually(
      () =>
        assert.ok(
          seen.some((ids) => ids.join() === 'r0'),
          JSON.stringify(seen),
        ),
      30_000,
    );
    await eventually(() => assert.deepEqual(browserRuns(), []), 60_000);
  });

  it('says offline and when it reconnects, counting down, while the relay is away', async () => {
    await seed('lab', 'away.ipynb', ['# away']);
    await execute(page, 'enclave:open', { path: 'lab/away.ipynb' });
    const path = `Enclave:${RELAY}/lab/away.ipynb`;
    await eventually(async () => assert.ok(await widgetIdFor(page, path)), 20_000);
    const id = (await widgetIdFor(page, path))!;
    const label = page.locator(`#${id} .enclave-status .enclave-status-label`);
    await eventually(async () => assert.equal(await label.innerText(), 'Connected · editor'), 20_000);
    await relay.labRelay.close();
    await eventually(async () => {
      assert.match(await label.innerText(), /^Offline · reconnecting in \d+ s \(attempt \d+\)$/);
      assert.match(
        (await page.locator(`#${id} .enclave-status`).getAttribute('class')) ?? '',
        /enclave-status-offline/,
      );
      assert.match(
        (await page.locator(`#${id} .enclave-status`).getAttribute('title')) ?? '',
        /sent when the relay is back/,
      );
    }, 20_000);
  });
});
