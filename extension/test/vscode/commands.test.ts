import * as vscode from 'vscode';
import { type Member, parseIdentity } from '@enclave/shared';
import * as assert from './support/assert.js';
import { testEnvironment } from './support/environment.js';
import { leaveAll, useIdentity } from './support/extension.js';
import { NotebookPeer } from './support/peer.js';
import { createSpace, newIdentity, uniqueName } from './support/space.js';

describe('identity, link and access commands', () => {
  afterEach(leaveAll);

  it('exports the identity in the CLI format and imports it back', async () => {
    const me = await newIdentity('Exporter');
    await useIdentity(me);
    const { workspace } = await testEnvironment();
    const file = vscode.Uri.joinPath(workspace, `${uniqueName('identity')}.json`);
    await vscode.commands.executeCommand('enclave.exportIdentity', file);
    const exported = parseIdentity(new TextDecoder().decode(await vscode.workspace.fs.readFile(file)));
    assert.deepStrictEqual(exported, me);
    await useIdentity(await newIdentity('Someone else'));
    const imported = await vscode.commands.executeCommand<string>('enclave.importIdentity', file);
    assert.strictEqual(imported, me.publicKey);
    assert.strictEqual(await vscode.commands.executeCommand<string>('enclave.copyPublicKey'), me.publicKey);
  });

  it('refuses a broken identity file, says why, and keeps the identity it had', async () => {
    const me = await newIdentity('Keeper');
    await useIdentity(me);
    await assert.rejects(
      Promise.resolve(vscode.commands.executeCommand('enclave.importIdentity', '{"name":"x"}')),
      /publicKey/,
    );
    await assert.rejects(
      Promise.resolve(vscode.commands.executeCommand('enclave.importIdentity', 'not json')),
      /not JSON/,
    );
    assert.strictEqual(await vscode.commands.executeCommand<string>('enclave.copyPublicKey'), me.publicKey);
  });

  it('copies a link that opens the same document again', async () => {
    const me = await newIdentity('Linker');
    const other = await newIdentity('Peer');
    const space = await createSpace([
      { identity: me, role: 'editor' },
      { identity: other, role: 'editor' },
    ]);
    const document = uniqueName('linked') + '.ipynb';
    const peer = await NotebookPeer.join(other, space, document, true);
    try {
      await peer.write({
        nbformat: 4,
        nbformat_minor: 5,
        metadata: {},
        cells: [{ id: 'l', cell_type: 'markdown', source: 'by link', metadata: {} }],
      });
      await useIdentity(me);
      const { relay } = await testEnvironment();
      await vscode.commands.executeCommand('enclave.open', { relay, space, document });
      const link = await vscode.commands.executeCommand<string>('enclave.copyLink');
      assert.strictEqual(await vscode.env.clipboard.readText(), link);
      assert.strictEqual(await vscode.commands.executeCommand<boolean>('enclave.leave'), true);
      await leaveAll();
      const uri = await vscode.commands.executeCommand<string>('enclave.openLink', link);
      const notebook = vscode.workspace.notebookDocuments.find((nb) => nb.uri.toString() === uri);
      assert.ok(notebook, 'the link opened a notebook');
      assert.strictEqual(notebook.cellAt(0).document.getText(), 'by link');
    } finally {
      peer.leave();
    }
  });

  it('lets a lead list, grant, change and revoke members', async () => {
    const lead = await newIdentity('Lead');
    const newcomer = await newIdentity('Newcomer');
    const space = await createSpace([{ identity: lead, role: 'lead' }]);
    await useIdentity(lead);
    const { relay } = await testEnvironment();
    const manage = (args: Record<string, unknown>): Thenable<unknown> =>
      vscode.commands.executeCommand('enclave.manageAccess', { relay, space, ...args });
    const granted = (await manage({
      action: 'grant',
      publicKey: newcomer.publicKey,
      role: 'viewer',
      name: 'Newcomer',
    })) as Member;
    assert.strictEqual(granted.role, 'viewer');
    await manage({ action: 'grant', publicKey: newcomer.publicKey, role: 'editor', name: 'Newcomer' });
    // The space's creator (the runner's admin) is a lead too.
    const { admin } = await testEnvironment();
    const roles = async (): Promise<string[][]> =>
      ((await manage({ action: 'list' })) as Member[])
        .filter((m) => m.publicKey !== admin.publicKey)
        .map((m) => [m.name, m.role])
        .sort();
    assert.deepStrictEqual(await roles(), [
      ['Lead', 'lead'],
      ['Newcomer', 'editor'],
    ]);
    assert.strictEqual(await manage({ action: 'revoke', publicKey: newcomer.publicKey }), true);
    assert.deepStrictEqual(await roles(), [['Lead', 'lead']]);
  });
});
