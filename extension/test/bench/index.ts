/**
 * `npm run bench:vscode`, inside the same real VS Code as the suite:
 * - latency from a peer's edit to VS Code's document showing it (500 edits on Main_Demo.ipynb), p50/p99;
 * - time to open each fixture notebook shared, against (a) the limit: the relay's join time for a
 *   headless client plus building the same NotebookData from the .ipynb without Enclave, and (b) that plus
 *   VS Code opening and showing that NotebookData (what any notebook costs to show).
 */
import * as vscode from 'vscode';
import { parseIpynb } from '@enclave/shared';
import { notebookFromJupyter } from '../../src/notebook/cells.js';
import { toNotebookData } from '../../src/vscode/notebook-data.js';
import { readWorkspaceText, testEnvironment } from '../vscode/support/environment.js';
import { leaveAll, openSharedNotebook, useIdentity } from '../vscode/support/extension.js';
import { NotebookPeer } from '../vscode/support/peer.js';
import { createSpace, newIdentity, uniqueName } from '../vscode/support/space.js';

const EDITS = 500;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function nextChange(document: vscode.TextDocument, marker: string): Promise<void> {
  return new Promise((resolve) => {
    if (document.getText().includes(marker)) return resolve();
    const subscription = vscode.workspace.onDidChangeTextDocument((event) => {
      if (event.document === document && document.getText().includes(marker)) {
        subscription.dispose();
        resolve();
      }
    });
  });
}

async function latency(space: string, me: string, other: Parameters<typeof NotebookPeer.join>[0]): Promise<void> {
  void me;
  const document = uniqueName('bench') + '.ipynb';
  const peer = await NotebookPeer.join(other, space, document, true);
  try {
    await peer.write(parseIpynb(await readWorkspaceText('fixtures', 'Main_Demo.ipynb')));
    const notebook = await openSharedNotebook(space, document);
    const code = notebook.getCells().findIndex((cell) => cell.kind === vscode.NotebookCellKind.Code);
    const ytext = peer.notebook.cells[code]!.ysource;
    const times: number[] = [];
    for (let i = 0; i < EDITS; i++) {
      const marker = `#${i}#`;
      const shown = nextChange(notebook.cellAt(code).document, marker);
      const started = performance.now();
      ytext.insert(0, marker);
      await shown;
      times.push(performance.now() - started);
    }
    console.log(
      `BENCH edit->VS Code latency over ${EDITS} edits on Main_Demo.ipynb: p50 ${percentile(times, 50).toFixed(1)} ms, p99 ${percentile(times, 99).toFixed(1)} ms, max ${Math.max(...times).toFixed(1)} ms`,
    );
  } finally {
    peer.leave();
    await leaveAll();
  }
}

async function openTimes(space: string, other: Parameters<typeof NotebookPeer.join>[0]): Promise<void> {
  const { workspace } = await testEnvironment();
  const names = (await vscode.workspace.fs.readDirectory(vscode.Uri.joinPath(workspace, 'fixtures')))
    .map(([name]) => name)
    .filter((name) => name.endsWith('.ipynb'))
    .sort();
  console.log(
    'BENCH fixture | enclave open+show ms | join ms | build NotebookData ms | plain open+show ms | ratio vs join+build | ratio vs join+build+open+show',
  );
  for (const name of names) {
    const text = await readWorkspaceText('fixtures', name);
    const document = uniqueName('open') + '.ipynb';
    const writer = await NotebookPeer.join(other, space, document, true);
    await writer.write(parseIpynb(text));
    writer.leave();

    let started = performance.now();
    const joiner = await NotebookPeer.join(other, space, document);
    const join = performance.now() - started;
    joiner.leave();

    started = performance.now();
    const data = toNotebookData(notebookFromJupyter(parseIpynb(text)));
    const build = performance.now() - started;

    started = performance.now();
    const plain = await vscode.workspace.openNotebookDocument('jupyter-notebook', data);
    await vscode.window.showNotebookDocument(plain);
    const plainOpen = performance.now() - started;
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');

    started = performance.now();
    await openSharedNotebook(space, document);
    const enclave = performance.now() - started;
    await leaveAll();
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');

    const limit = join + build;
    console.log(
      `BENCH ${name} | ${enclave.toFixed(0)} | ${join.toFixed(0)} | ${build.toFixed(0)} | ${plainOpen.toFixed(0)} | ${(enclave / limit).toFixed(2)} | ${(enclave / (limit + plainOpen)).toFixed(2)}`,
    );
  }
}

export async function run(): Promise<void> {
  const me = await newIdentity('Bench VS Code');
  const other = await newIdentity('Bench Peer');
  const space = await createSpace([
    { identity: me, role: 'editor' },
    { identity: other, role: 'editor' },
  ]);
  await useIdentity(me);
  await latency(space, me.name, other);
  await openTimes(space, other);
}
