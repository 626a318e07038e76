import * as vscode from 'vscode';
import * as assert from './support/assert.js';
import { testEnvironment } from './support/environment.js';
import { enclave, leaveAll, useIdentity } from './support/extension.js';
import { eventually } from './support/poll.js';
import { NotebookPeer } from './support/peer.js';
import { createSpace, newIdentity, uniqueName } from './support/space.js';

async function silent(action: 'freeze' | 'thaw'): Promise<void> {
  const { control } = await testEnvironment();
  const response = await fetch(`${control}/silent/${action}`, { method: 'POST' });
  if (!response.ok) throw new Error(`silent ${action}: ${response.status} ${await response.text()}`);
}

describe('a relay that never answers', () => {
  afterEach(async () => {
    await silent('freeze');
    await leaveAll();
  });

  it('fails the open within about 10 s, naming the relay, and Retry opens it once the relay answers', async function () {
    this.timeout(60_000);
    const me = await newIdentity('VS Code User');
    const other = await newIdentity('Peer');
    const space = await createSpace([
      { identity: me, role: 'editor' },
      { identity: other, role: 'editor' },
    ]);
    const document = uniqueName('silent') + '.ipynb';
    const peer = await NotebookPeer.join(other, space, document, true);
    try {
      await peer.write({
        nbformat: 4,
        nbformat_minor: 5,
        metadata: {},
        cells: [{ id: 's', cell_type: 'markdown', source: 'answered at last', metadata: {} }],
      });
      await useIdentity(me);
      const api = await enclave();
      const { silentRelay } = await testEnvironment();
      const started = Date.now();
      const opened = await vscode.commands.executeCommand<string | undefined>('enclave.open', {
        relay: silentRelay,
        space,
        document,
      });
      const elapsed = Date.now() - started;
      assert.strictEqual(opened, undefined);
      assert.ok(elapsed < 10_500, `failed after ${elapsed} ms`);
      const [failure, ...more] = api.connectionFailures();
      assert.ok(failure, 'an error notification is shown');
      assert.strictEqual(more.length, 0);
      assert.strictEqual(
        failure.message,
        `Enclave: could not open ${space}/${document}: no answer from the relay at ${silentRelay}: no challenge within 8 s`,
      );
      assert.deepStrictEqual(failure.actions, ['Retry']);
      assert.strictEqual(api.sessions.all().length, 0);

      await silent('thaw');
      await failure.retry();
      assert.strictEqual(api.connectionFailures().length, 0);
      await eventually(() => {
        const notebook = vscode.workspace.notebookDocuments.find((nb) =>
          nb.getCells().some((cell) => cell.document.getText() === 'answered at last'),
        );
        assert.ok(notebook, 'the retried open shows the shared notebook');
      }, 20_000);
      assert.strictEqual(api.sessions.all().length, 1);
    } finally {
      peer.leave();
    }
  });
});
