/**
 * The Enclave Directory view: a relay's listings, each checked against its lead's signature; a listing
 * altered in the relay's storage is NOT VERIFIED and cannot be asked from; Ask to Join reaches the leads as
 * a request from the directory.
 */
import * as vscode from 'vscode';
import { EnclaveConnection, type Identity, signListing } from '@enclave/shared';
import type { DirectoryNode } from '../../src/browse/directory-view.js';
import type { RequestOutcome } from '../../src/governance/request-commands.js';
import * as assert from './support/assert.js';
import { testEnvironment } from './support/environment.js';
import { enclave, useIdentity } from './support/extension.js';
import { eventually } from './support/poll.js';
import { alterListing } from './support/relay-control.js';
import { createSpace, newIdentity, webSocket } from './support/space.js';

const LISTING = {
  title: 'Tide gauges and sea level',
  description: 'Reconstructing sea level from historical tide gauge records.',
  expectations: 'Cite the group; share cleaned series back.',
  showAgreement: false,
};

async function asLead<T>(lead: Identity, space: string, work: (c: EnclaveConnection) => Promise<T>): Promise<T> {
  const { relay } = await testEnvironment();
  const connection = new EnclaveConnection({
    relayUrl: relay,
    room: { space },
    identity: lead,
    WebSocket: webSocket(),
    reconnect: false,
  }).connect();
  try {
    await connection.whenWelcomed();
    return await work(connection);
  } finally {
    connection.destroy();
  }
}

function list(lead: Identity, space: string): Promise<unknown> {
  return asLead(lead, space, async (c) => c.request(await signListing(lead, c.relayId!, space, LISTING)));
}

/** The listing of `space` under the test relay, as the view shows it after a refresh. */
async function listingNode(space: string): Promise<Extract<DirectoryNode, { kind: 'listing' }>> {
  const { relay } = await testEnvironment();
  const api = await enclave();
  await vscode.commands.executeCommand('enclave.refreshDirectory');
  const relays = (await api.directory.getChildren()) ?? [];
  const relayNode = relays.find((n) => n.kind === 'relay' && n.relay.url === relay);
  assert.ok(relayNode, 'the configured relay is shown');
  const listings = (await api.directory.getChildren(relayNode)) ?? [];
  const found = listings.find((n) => n.kind === 'listing' && n.checked.entry.space === space);
  assert.ok(found && found.kind === 'listing', `${space} is listed`);
  return found;
}

async function lines(node: DirectoryNode): Promise<string[]> {
  const api = await enclave();
  return Promise.all(
    ((await api.directory.getChildren(node)) ?? []).map(async (child) => {
      const item = await api.directory.getTreeItem(child);
      return `${String(item.label)}: ${String(item.description)}`;
    }),
  );
}

describe('the Enclave Directory view', () => {
  let saved: unknown;

  before(async () => {
    const { relay } = await testEnvironment();
    const config = vscode.workspace.getConfiguration('enclave');
    saved = config.inspect('relays')?.workspaceValue;
    await config.update('relays', [{ name: 'test', url: relay }], vscode.ConfigurationTarget.Workspace);
  });

  after(async () => {
    await vscode.workspace.getConfiguration('enclave').update('relays', saved, vscode.ConfigurationTarget.Workspace);
  });

  it('shows a listed space verified, with people you know; Ask to Join reaches the lead from the directory', async () => {
    const lead = await newIdentity('Dr. Tide');
    const visitor = await newIdentity('Visitor');
    const space = await createSpace([{ identity: lead, role: 'lead' }]);
    // The visitor already shares another space with the lead: the listing names the lead as someone known.
    await createSpace([
      { identity: lead, role: 'editor' },
      { identity: visitor, role: 'editor' },
    ]);
    await list(lead, space);
    await useIdentity(visitor);

    const api = await enclave();
    const node = await listingNode(space);
    assert.strictEqual(node.checked.check.verified, true);
    const item = await api.directory.getTreeItem(node);
    assert.strictEqual(item.label, LISTING.title);
    assert.strictEqual(item.description, `${space} · ✓ verified`);
    assert.strictEqual(item.contextValue, 'listing-verified', 'Ask to Join is offered');
    const shown = await lines(node);
    const fingerprint = node.checked.entry.listedBy.fingerprint;
    const [trust, area, expects, leads, members, listed] = shown;
    assert.strictEqual(trust, `Trust: signed by Dr. Tide (${fingerprint})`);
    assert.strictEqual(area, `Research area: ${LISTING.description}`);
    assert.strictEqual(expects, `Expects: ${LISTING.expectations}`);
    assert.ok(leads?.startsWith('Leads: ') && leads.includes(`Dr. Tide (${fingerprint})`), leads);
    // The runner's admin created the space, so it is a member (and a lead) beside Dr. Tide.
    assert.strictEqual(members, 'Members: 2');
    assert.strictEqual(listed, `Listed: ${node.checked.entry.listedAt}`);
    const known = shown.find((line) => line.startsWith('People you share a space with: '));
    assert.ok(known?.includes(`Dr. Tide (${fingerprint})`), shown.join('\n'));

    const asked = vscode.commands.executeCommand<RequestOutcome>('enclave.askToJoin', node, {
      message: 'found you in the directory',
    });
    const request = await eventually(async () => {
      const { requests } = await asLead(lead, space, (c) => c.request({ op: 'requests.list', status: 'pending' }));
      const found = requests.find((r) => r.publicKey === visitor.publicKey);
      assert.ok(found, 'the lead sees the request');
      return found;
    });
    assert.strictEqual(request.via, 'directory');
    assert.strictEqual(request.message, 'found you in the directory');
    await asLead(lead, space, (c) => c.request({ op: 'requests.approve', id: request.id, role: 'viewer' }));
    const outcome = await asked;
    assert.strictEqual(outcome.outcome, 'approved');
  });

  it('shows a listing altered in storage as NOT VERIFIED and will not ask to join from it', async () => {
    const lead = await newIdentity('Dr. Genuine');
    const visitor = await newIdentity('Careful Visitor');
    const space = await createSpace([{ identity: lead, role: 'lead' }]);
    await list(lead, space);
    await alterListing(space);
    await useIdentity(visitor);

    const api = await enclave();
    const node = await listingNode(space);
    assert.strictEqual(node.checked.check.verified, false);
    const item = await api.directory.getTreeItem(node);
    assert.strictEqual(item.label, `${LISTING.title} (altered)`, 'the altered text is what the relay served');
    assert.strictEqual(item.description, `${space} · ⚠ NOT VERIFIED`);
    assert.strictEqual(item.contextValue, 'listing-not-verified', 'no Ask to Join on it');
    const [trust] = await lines(node);
    assert.match(trust ?? '', /^Trust: NOT VERIFIED: the listing of .+ cannot be trusted: .*altered or forged/);

    const outcome = await vscode.commands.executeCommand<RequestOutcome>('enclave.askToJoin', node, {
      message: 'let me in',
    });
    assert.strictEqual(outcome.outcome, 'refused');
    const { requests } = await asLead(lead, space, (c) => c.request({ op: 'requests.list', status: 'pending' }));
    assert.deepStrictEqual(requests, [], 'no request reached the lead');
  });
});
