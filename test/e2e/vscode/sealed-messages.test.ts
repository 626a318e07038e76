/**
 * What both editors tell their person about a sealed space's problems (issue 12), in the real editors:
 * a relay that forges messages into its storage is caught by both (said once, in plain words, with the
 * notebook left as it was and later edits still flowing), and a member admitted without a key waits for a
 * lead's client in each editor, seeing no content, until the lead shares the key (then the content appears,
 * without reopening).
 */
import * as vscode from 'vscode';
import { EnclaveConnection, type Identity, type NotebookContent, serializeIdentity } from '@enclave/shared';
import * as assert from '../../../extension/test/vscode/support/assert.js';
import { applyAsUser } from '../../../extension/test/vscode/support/edit.js';
import { testEnvironment } from '../../../extension/test/vscode/support/environment.js';
import { enclave, useIdentity } from '../../../extension/test/vscode/support/extension.js';
import { eventually } from '../../../extension/test/vscode/support/poll.js';
import { newIdentity, uniqueName, webSocket } from '../../../extension/test/vscode/support/space.js';
import { notebookFromJupyter } from '../../../extension/src/notebook/cells.js';
import { toNotebookData } from '../../../extension/src/vscode/notebook-data.js';
import { call, lab, labOpen, labPath, labSources, labType, screenshot } from './orchestrator.js';

const NOTEBOOK = 'guarded.ipynb';
const STARTER: NotebookContent = {
  nbformat: 4,
  nbformat_minor: 5,
  metadata: { kernelspec: { name: 'python3', display_name: 'Python 3 (ipykernel)', language: 'python' } },
  cells: [
    { id: 'title', cell_type: 'markdown', source: '# Guarded results', metadata: {} },
    { id: 'setup', cell_type: 'code', source: 'x = 1', metadata: {}, execution_count: null, outputs: [] },
  ],
};

const vsTexts = (nb: vscode.NotebookDocument): string[] => nb.getCells().map((c) => c.document.getText());
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The `enclave` CLI as the lead (the relay's admin); fails the test on a non-zero exit. */
async function cli(...args: string[]): Promise<string> {
  const result = await call<{ code: number; stdout: string; stderr: string }>('/cli', { args });
  assert.strictEqual(result.code, 0, `enclave ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

/** Shares STARTER from VS Code (as the current identity) into `space`; resolves with VS Code's notebook. */
async function shareFromVsCode(space: string): Promise<vscode.NotebookDocument> {
  const local = await vscode.workspace.openNotebookDocument(
    'jupyter-notebook',
    toNotebookData(notebookFromJupyter(STARTER)),
  );
  await vscode.window.showNotebookDocument(local);
  const { relay } = await testEnvironment();
  await vscode.commands.executeCommand('enclave.share', { relay, space, document: NOTEBOOK });
  const api = await enclave();
  await eventually(
    () => assert.ok(api.sessions.all().some((s) => s.sealed && s.address.space === space && s.status === 'connected')),
    30_000,
  );
  return local;
}

/** The sealed-space problems JupyterLab's toolbar shows for the notebook at `path`: label and full text. */
function labProblems(path: string): Promise<{ label: string; title: string }[]> {
  return lab(
    "return [...document.querySelectorAll('#' + widget(arg).id + ' .enclave-sealed-problem')].map(n => ({ label: n.textContent, title: n.title }))",
    path,
  );
}

/** VS Code's notifications about `space` (the notification centre is opened so none has faded). */
async function vsNotifications(space: string): Promise<string[]> {
  await vscode.commands.executeCommand('notifications.showList');
  const texts = await call<string[]>('/vscode/notifications');
  return texts.filter((text) => text.includes(space));
}

describe('Problems in a sealed space: a tampering relay, a member waiting for a key', function () {
  this.timeout(120_000);
  let vsUser: Identity;
  let labUser: Identity;

  before(async function () {
    vsUser = await newIdentity('Ada in VS Code');
    labUser = await newIdentity('Grace in JupyterLab');
    await useIdentity(vsUser);
    await lab("await app.commands.execute('enclave:identity-import', { text: arg })", serializeIdentity(labUser));
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') {
      const files = await screenshot(
        `sealed-msgs-${this.currentTest.title.replace(/[^a-z0-9]+/gi, '-').slice(0, 50)}`,
      ).catch(String);
      console.log(`      screenshots: ${JSON.stringify(files)}`);
    }
    await vscode.commands.executeCommand('notifications.hideList');
  });

  it('1. the relay forges messages into its storage: both editors say "tampered" once, the notebook stays as it was, later edits still flow', async () => {
    const space = uniqueName('tamper');
    assert.match(await cli('space', 'create', space, '--sealed'), /sealed/);
    await cli('grant', space, vsUser.publicKey, '--role', 'editor', '--name', vsUser.name);
    await cli('grant', space, labUser.publicKey, '--role', 'editor', '--name', labUser.name);
    const notebook = await shareFromVsCode(space);
    const labNb = await labOpen(space, NOTEBOOK);
    await eventually(async () => assert.deepStrictEqual(await labSources(labNb), vsTexts(notebook)), 30_000);
    const before = vsTexts(notebook);
    assert.deepStrictEqual(await labProblems(labNb), [], 'no problem before the forgery');

    // Two forgeries, each failing its check for a different reason (so two different messages to say).
    await call('/relay/forge-sealed', { space });

    // JupyterLab: one problem in the toolbar, in words, and kept in view.
    await eventually(async () => {
      const problems = await labProblems(labNb);
      assert.strictEqual(problems.length, 1, JSON.stringify(problems));
      assert.strictEqual(problems[0]!.label, 'tampered message');
      assert.match(problems[0]!.title, /failed verification and was not applied.*relay or network altered/);
    }, 30_000);
    // VS Code: one warning, in words.
    await eventually(async () => {
      const said = await vsNotifications(space);
      assert.ok(
        said.some((text) => /failed verification and was not applied: the relay or the network altered/.test(text)),
        JSON.stringify(said),
      );
    }, 30_000);
    // Both connections are back and have seen both forgeries by now; give a repeat time to show.
    const api = await enclave();
    await eventually(
      () => assert.ok(api.sessions.all().some((s) => s.address.space === space && s.status === 'connected')),
      30_000,
    );
    await sleep(1500);
    const tamperWarnings = (await vsNotifications(space)).filter((text) => /failed verification/.test(text));
    assert.strictEqual(tamperWarnings.length, 1, `said once: ${JSON.stringify(tamperWarnings)}`);
    assert.strictEqual((await labProblems(labNb)).length, 1);

    // Nothing forged was applied: both notebooks are exactly as they were.
    assert.deepStrictEqual(vsTexts(notebook), before);
    assert.deepStrictEqual(await labSources(labNb), before);

    // Valid edits after the forgery still apply, both ways.
    const doc = notebook.cellAt(1).document;
    await applyAsUser((e) => e.insert(doc.uri, doc.positionAt(doc.getText().length), '  # checked'));
    await eventually(
      async () => assert.deepStrictEqual(await labSources(labNb), [before[0]!, 'x = 1  # checked']),
      30_000,
    );
    await labType(labNb, 1, ' twice', 15);
    await eventually(() => assert.strictEqual(notebook.cellAt(1).document.getText(), 'x = 1  # checked twice'), 30_000);
    await eventually(async () => assert.deepStrictEqual(await labSources(labNb), vsTexts(notebook)), 20_000);
  });

  it("2. a member admitted without a key: JupyterLab says it waits for a lead's key and shows nothing, then the content appears once the lead shares it", async () => {
    const space = uniqueName('keywait');
    assert.match(await cli('space', 'create', space, '--sealed'), /sealed/);
    await cli('grant', space, vsUser.publicKey, '--role', 'editor', '--name', vsUser.name);
    const notebook = await shareFromVsCode(space);
    // Admitted without a key: no lead's client has wrapped the space's key for Grace yet.
    await grantWithoutKey(space, labUser);

    // Opened without waiting for it: the tab waits for the key.
    const labNb = labPath(space, NOTEBOOK);
    await lab("void app.commands.execute('enclave:open', { path: arg })", `${space}/${NOTEBOOK}`);
    await eventually(async () => {
      const problems = await labProblems(labNb);
      assert.strictEqual(problems.length, 1, JSON.stringify(problems));
      assert.strictEqual(problems[0]!.label, 'waiting for key');
      assert.match(problems[0]!.title, /waiting for a lead to share the key.*Your edits are kept/);
    }, 30_000);
    const sourcesWhileWaiting = (): Promise<string[]> =>
      lab('return widget(arg)?.content.model?.sharedModel.cells.map((c) => c.getSource()) ?? []', labNb);
    await sleep(1000);
    assert.deepStrictEqual(await sourcesWhileWaiting(), [], 'no content before the key');

    // The lead's client comes online and wraps the key for her: the content appears in the same tab.
    assert.match(await cli('keys', 'share', space), /1 wrapped/);
    await eventually(async () => assert.deepStrictEqual(await labSources(labNb), vsTexts(notebook)), 30_000);
    // The wait is over: the toolbar no longer says so.
    await eventually(async () => assert.deepStrictEqual(await labProblems(labNb), []), 10_000);
    // And it is live: an edit in VS Code arrives.
    const doc = notebook.cellAt(1).document;
    await applyAsUser((e) => e.insert(doc.uri, doc.positionAt(doc.getText().length), '  # after the key'));
    await eventually(async () => assert.deepStrictEqual(await labSources(labNb), vsTexts(notebook)), 30_000);
  });

  it("3. a member admitted without a key: VS Code says it waits for a lead's key and shows nothing, then the content appears once the lead shares it", async () => {
    const space = uniqueName('keywait-vs');
    assert.match(await cli('space', 'create', space, '--sealed'), /sealed/);
    await cli('grant', space, vsUser.publicKey, '--role', 'editor', '--name', vsUser.name);
    const shared = await shareFromVsCode(space);
    const waiter = await newIdentity('Lin waiting in VS Code');
    await grantWithoutKey(space, waiter);
    await useIdentity(waiter);
    try {
      const { relay } = await testEnvironment();
      const opening = Promise.resolve(
        vscode.commands.executeCommand<string | undefined>('enclave.open', { relay, space, document: NOTEBOOK }),
      );
      opening.catch(() => undefined); // awaited below
      await eventually(async () => {
        const said = await vsNotifications(space);
        assert.ok(
          said.some((text) => /waiting for a lead to share the key/.test(text)),
          JSON.stringify(said),
        );
      }, 30_000);
      await sleep(1000);
      const shownForSpace = (): vscode.NotebookDocument[] =>
        vscode.workspace.notebookDocuments.filter((nb) => nb !== shared && nb.uri.toString().includes(space));
      assert.deepStrictEqual(shownForSpace(), [], 'no content before the key');

      // The lead's client comes online and wraps the key: the same open goes on and shows the content.
      assert.match(await cli('keys', 'share', space), /1 wrapped/);
      const uri = await opening;
      assert.strictEqual(typeof uri, 'string', 'the open completed');
      const notebook = shownForSpace().find((nb) => nb.uri.toString() === uri);
      assert.ok(notebook, `${String(uri)} is shown`);
      await eventually(() => assert.deepStrictEqual(vsTexts(notebook), vsTexts(shared)), 30_000);
    } finally {
      await useIdentity(vsUser);
    }
  });
});

/** Makes `member` an editor by a bare grant, as an invite or an approved request does: no key wrapped. */
async function grantWithoutKey(space: string, member: Identity): Promise<void> {
  const { relay, admin } = await testEnvironment();
  const channel = new EnclaveConnection({
    relayUrl: relay,
    room: { space },
    identity: admin,
    WebSocket: webSocket(),
    reconnect: false,
  }).connect();
  try {
    await channel.whenWelcomed();
    await channel.request({ op: 'members.grant', publicKey: member.publicKey, role: 'editor', name: member.name });
  } finally {
    channel.close();
  }
}
