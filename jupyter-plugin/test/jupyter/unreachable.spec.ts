/**
 * Enclave in a real JupyterLab against a relay that accepts connections and never answers (a frozen proxy
 * in front of a real relay): opening a document says so within about 10 s, naming the relay, and "Retry"
 * opens it once the relay answers. Its own JupyterLab, whose only relay is the silent one.
 */
import assert from 'node:assert/strict';
import { serializeIdentity } from '@enclave/shared';
import { FreezableProxy } from '@enclave/test/freezable-proxy';
import type { Browser, Page } from 'playwright-core';
import { publish } from '../../src/session/publish.js';
import { TEST_CLUSTER } from '@enclave/relay/testing/cluster-relay';
import { eventually, NodeWebSocket, type RelayFixture, startRelay } from '../unit/relay-fixture.js';
import { launchBrowser, openLab } from './browser.js';
import { JUPYTERLAB_VERSION, type JupyterLab, prepareEnvironment, startJupyterLab } from './jupyterlab-server.js';
import { dismissDialogs, execute, onWidget } from './lab-helpers.js';

describe(`Enclave in JupyterLab ${JUPYTERLAB_VERSION} with a relay that never answers`, function () {
  this.timeout(180_000);
  let relay: RelayFixture;
  let silent: FreezableProxy;
  let lab: JupyterLab;
  let browser: Browser;
  let page: Page;

  before(async function () {
    this.timeout(900_000);
    prepareEnvironment((line) => console.log(`      [setup] ${line}`));
    relay = await startRelay('lab', { cluster: TEST_CLUSTER });
    silent = await FreezableProxy.start(relay.url);
    silent.freeze();
    lab = await startJupyterLab({
      '@enclave/jupyter-plugin:plugin': { relays: [{ name: 'silent', url: silent.url }] },
      '@jupyterlab/apputils-extension:notification': { fetchNews: 'false', checkForUpdates: false },
    });
    browser = await launchBrowser();
    ({ page } = await openLab(browser, lab.url, lab.token));
    await execute(page, 'enclave:identity-import', { text: serializeIdentity(relay.editor) });
  });

  after(async () => {
    await browser?.close();
    await lab?.stop();
    await silent?.close();
    await relay?.close();
  });

  it('says within about 10 s that the relay does not answer, and Retry opens the notebook once it does', async () => {
    await publish({
      relayUrl: relay.url,
      room: { space: 'lab', document: 'retry.ipynb' },
      identity: relay.lead,
      WebSocket: NodeWebSocket,
      content: {
        kind: 'notebook',
        notebook: {
          nbformat: 4,
          nbformat_minor: 5,
          // A kernel named, so that JupyterLab starts it rather than asking which one (the test server has two).
          metadata: { kernelspec: { name: 'python3', display_name: 'Python 3 (ipykernel)', language: 'python' } },
          cells: [{ id: 'r', cell_type: 'markdown', source: 'answered at last', metadata: {} }],
        },
      },
    });
    const started = Date.now();
    await execute(page, 'enclave:open', { path: 'lab/retry.ipynb' });
    const dialog = page.locator('.jp-Dialog').first();
    await dialog.waitFor({ timeout: 15_000 });
    const elapsed = Date.now() - started;
    const text = (await dialog.innerText()).replace(/\s+/g, ' ');
    assert.match(text, /Cannot reach the relay/);
    assert.ok(text.includes(`no answer from the relay at ${silent.url}: no challenge within 8 s`), text);
    assert.ok(elapsed < 11_000, `shown after ${elapsed} ms`);

    silent.thaw();
    await dialog.locator('button', { hasText: 'Retry' }).click();
    await eventually(async () => {
      const sources = await onWidget<string[]>(
        page,
        'Enclave:silent/lab/retry.ipynb',
        'return widget.content.model.sharedModel.cells.map(c => c.getSource())',
      );
      assert.deepEqual(sources, ['answered at last']);
    }, 20_000);
    assert.deepEqual(await dismissDialogs(page), [], 'no other error was shown');
  });
});
