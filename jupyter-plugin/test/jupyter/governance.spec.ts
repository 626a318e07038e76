/**
 * Issue 6 in a real JupyterLab (the version ENCLAVE_JUPYTERLAB picks): invites (from the CLI, the client library and JupyterLab itself),
 * access requests both ways, agreements before content, and the audit log, against a real relay. The
 * browser's identity is a key no space knows at first; the lead is the client library in this process.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  EnclaveConnection,
  fingerprint,
  type ListingText,
  signListing,
  formatLink,
  newInviteLink,
  generateIdentity,
  parseLink,
  type Identity,
  type Role,
  serializeIdentity,
} from '@enclave/shared';
import type { Browser, Page } from 'playwright-core';
import { publish } from '../../src/session/publish.js';
import { TEST_CLUSTER } from '@enclave/relay/testing/cluster-relay';
import { eventually, NodeWebSocket, type RelayFixture, startRelay } from '../unit/relay-fixture.js';
import { launchBrowser, openLab, waitForApp } from './browser.js';
import {
  JUPYTERLAB_VERSION,
  type JupyterLab,
  PLUGIN_DIR,
  prepareEnvironment,
  startJupyterLab,
} from './jupyterlab-server.js';
import { dismissDialogs, execute, onWidget, widgetIdFor } from './lab-helpers.js';
import { relayHelpers } from './relay-helpers.js';

const CLI = join(PLUGIN_DIR, '..', 'relay-server', 'dist', 'cli', 'main.js');
const RELAY = 'test';
const TERMS = "I won't use this for capabilities work without the permission of the authors.\n";

describe(`Enclave governance in JupyterLab ${JUPYTERLAB_VERSION}`, function () {
  this.timeout(180_000);
  let relay: RelayFixture;
  let lab: JupyterLab;
  let browser: Browser;
  let page: Page;
  let me: Identity;
  const closeLater: { destroy(): void }[] = [];

  const { onSpace, createSpace, seed } = relayHelpers(() => relay);
  const seedDraft = (space: string, document: string, text: string) =>
    publish({
      relayUrl: relay.url,
      room: { space, document },
      identity: relay.lead,
      WebSocket: NodeWebSocket,
      content: { kind: 'draft', text },
    });
  const draftText = (path: string) =>
    onWidget<string>(page, path, 'return widget.context.model.sharedModel.getSource()');
  const inviteLink = async (space: string, role: Role, expiresInSeconds = 3600) => {
    const created = await onSpace(space, (c) => c.request({ op: 'invites.create', role, expiresInSeconds }));
    // As the editors make it: with every address the relay gives (both relays of a cluster).
    return { link: formatLink(newInviteLink({ relay: relay.url }, space, created)), id: created.invite.id };
  };
  /** A client-library connection presenting an invite link's token. */
  const redeem = (link: string, identity: Identity) => {
    const invite = parseLink(link);
    if (invite.kind !== 'join') throw new Error(`not an invite link: ${link}`);
    return new EnclaveConnection({
      relayUrl: relay.url,
      room: { space: invite.space },
      identity,
      WebSocket: NodeWebSocket,
      reconnect: false,
      invite: invite.token,
    }).connect();
  };
  const memberKeys = async (space: string) =>
    (await onSpace(space, (c) => c.request({ op: 'members.list' }))).members.map((m) => m.publicKey);
  const cellSources = (path: string) =>
    onWidget<string[]>(page, path, 'return widget.content.model.sharedModel.cells.map(c => c.getSource())');
  const listSpace = (space: string, lead: Identity, text: ListingText) =>
    onSpace(
      space,
      async (c) => {
        await c.whenWelcomed();
        await c.request(await signListing(lead, c.relayId!, space, text));
      },
      lead,
    );
  const dialog = (text: string | RegExp) => page.locator('.jp-Dialog').filter({ hasText: text });
  const pathOf = (doc: string) => `Enclave:${RELAY}/${doc}`;

  before(async function () {
    this.timeout(900_000);
    prepareEnvironment((line) => console.log(`      [setup] ${line}`));
    relay = await startRelay('lab', { cluster: TEST_CLUSTER });
    me = await generateIdentity('Browser Member');
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

  it('joins with an invite link printed by the CLI, then opens a document of the space', async () => {
    await createSpace('inv');
    await seedDraft('inv', 'intro.md', '# welcome');
    const dir = mkdtempSync(join(tmpdir(), 'enclave-cli-'));
    const identityFile = join(dir, 'lead.json');
    writeFileSync(identityFile, serializeIdentity(relay.lead));
    chmodSync(identityFile, 0o600);
    let link: string;
    try {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [CLI, 'invite', 'inv', '--role', 'editor', '--expires', '1h', '--relay', relay.url, '--identity', identityFile],
        { timeout: 60_000 },
      );
      link = stdout.trim();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    assert.ok(!(await memberKeys('inv')).includes(me.publicKey));
    const joining = execute<{ role: string }>(page, 'enclave:join', { link });
    const offer = dialog('Joined inv as editor');
    await offer.waitFor({ timeout: 20_000 });
    assert.equal(await offer.locator('select').inputValue(), 'intro.md');
    await offer.locator('.jp-mod-accept').click();
    assert.equal((await joining).role, 'editor');
    const path = pathOf('inv/intro.md');
    await eventually(async () => assert.equal(await draftText(path), '# welcome'), 20_000);
    assert.ok((await memberKeys('inv')).includes(me.publicKey));
  });

  it('refuses an expired, a used and a revoked invite, says which, and admits nobody', async () => {
    await createSpace('shut');
    const expired = await inviteLink('shut', 'editor', 1);
    const used = await inviteLink('shut', 'editor');
    const someone = await generateIdentity('Someone');
    const redeemer = redeem(used.link, someone);
    await redeemer.whenWelcomed();
    redeemer.destroy();
    const revoked = await inviteLink('shut', 'editor');
    await onSpace('shut', (c) => c.request({ op: 'invites.revoke', id: revoked.id }));
    await new Promise((resolve) => setTimeout(resolve, 1200));
    for (const [link, reason] of [
      [expired.link, 'invite expired'],
      [used.link, 'invite already used'],
      [revoked.link, 'invite revoked'],
    ] as const) {
      const joining = execute(page, 'enclave:join', { link });
      await dialog('Cannot join with the invite').waitFor({ timeout: 20_000 });
      const texts = await dismissDialogs(page);
      assert.equal(await joining, undefined);
      assert.ok(
        texts.some((t) => t.includes(reason)),
        `${reason}: ${texts.join(' | ')}`,
      );
    }
    assert.ok(!(await memberKeys('shut')).includes(me.publicKey), 'the browser never became a member');
  });

  it('opens an invite link given to JupyterLab as a URL parameter', async () => {
    await createSpace('url');
    await seedDraft('url', 'a.md', 'from the url');
    const { link } = await inviteLink('url', 'viewer');
    await page.goto(`${lab.url}/lab?token=${lab.token}&enclave-join=${encodeURIComponent(link)}`);
    await waitForApp(page);
    const offer = dialog('Joined url as viewer');
    await offer.waitFor({ timeout: 30_000 });
    assert.ok(!page.url().includes('enclave-join'), page.url());
    await offer.locator('.jp-mod-accept').click();
    await eventually(async () => assert.equal(await draftText(pathOf('url/a.md')), 'from the url'), 20_000);
    assert.ok((await memberKeys('url')).includes(me.publicKey));
  });

  it('requests access from JupyterLab; a lead approves and the page gets in without reloading', async () => {
    await createSpace('ask');
    await seedDraft('ask', 'paper.md', 'results');
    await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
    const { widgetId } = await execute<{ widgetId: string }>(page, 'enclave:request-access', {
      space: 'ask',
      message: 'I work on induction heads too',
    });
    await page.locator(`#${widgetId}[data-state="waiting"]`).waitFor({ timeout: 20_000 });
    const { requests } = await onSpace('ask', (c) => c.request({ op: 'requests.list', status: 'pending' }));
    const mine = requests.find((r) => r.publicKey === me.publicKey)!;
    assert.equal(mine.message, 'I work on induction heads too');
    await onSpace('ask', (c) => c.request({ op: 'requests.approve', id: mine.id, role: 'editor' }));
    await page.locator(`#${widgetId}[data-state="approved"]`).waitFor({ timeout: 20_000 });
    await page.locator(`#${widgetId} .enclave-open-document[data-document="paper.md"]`).click();
    await eventually(async () => assert.equal(await draftText(pathOf('ask/paper.md')), 'results'), 20_000);
    assert.equal(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded), true);
  });

  it('gives a denied requester nothing', async () => {
    await createSpace('deny');
    await seedDraft('deny', 'secret.md', 'unpublished');
    const { widgetId } = await execute<{ widgetId: string }>(page, 'enclave:request-access', {
      space: 'deny',
      message: 'please',
    });
    await page.locator(`#${widgetId}[data-state="waiting"]`).waitFor({ timeout: 20_000 });
    const { requests } = await onSpace('deny', (c) => c.request({ op: 'requests.list', status: 'pending' }));
    await onSpace('deny', (c) => c.request({ op: 'requests.deny', id: requests[0]!.id }));
    const refused = page.locator(`#${widgetId}[data-state="refused"]`);
    await refused.waitFor({ timeout: 20_000 });
    assert.match(await refused.innerText(), /denied/);
    assert.equal(await page.locator(`#${widgetId} .enclave-open-document`).count(), 0);
    await execute(page, 'enclave:open', { path: 'deny/secret.md' });
    await page.locator('.jp-Dialog').first().waitFor({ timeout: 20_000 });
    const texts = await dismissDialogs(page);
    assert.ok(
      texts.some((t) => /access denied|not a member/i.test(t)),
      texts.join(' | '),
    );
    const path = pathOf('deny/secret.md');
    if (await widgetIdFor(page, path)) assert.equal(await draftText(path), '');
    assert.ok(!(await memberKeys('deny')).includes(me.publicKey));
  });

  it('shows the agreement when a document opens, with no content until it is signed', async () => {
    await createSpace('agreed', [[me, 'editor']]);
    await seed('agreed', 'terms.ipynb', ['members only']);
    await onSpace('agreed', async (c) =>
      c.signAgreement((await c.request({ op: 'agreement.set', text: TERMS })).agreement),
    );
    await execute(page, 'enclave:open', { path: 'agreed/terms.ipynb' });
    const shown = dialog('Agreement of agreed');
    await shown.waitFor({ timeout: 20_000 });
    assert.equal((await shown.locator('.enclave-agreement-text').innerText()).trim(), TERMS.trim());
    const path = pathOf('agreed/terms.ipynb');
    await eventually(async () => assert.ok(await widgetIdFor(page, path)));
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.deepEqual(await cellSources(path), [], 'no content before signing');
    await shown.locator('.jp-mod-accept').click();
    await eventually(async () => assert.deepEqual(await cellSources(path), ['members only']), 20_000);
    const { signatures } = await onSpace('agreed', (c) => c.request({ op: 'agreement.signatures' }));
    assert.ok(signatures.some((s) => s.publicKey === me.publicKey && s.version === 1));
  });

  it('closes the document when the agreement is declined: an unsigned member gets no content', async () => {
    await createSpace('strict', [[me, 'editor']]);
    await seed('strict', 'data.ipynb', ['confidential']);
    await onSpace('strict', async (c) =>
      c.signAgreement((await c.request({ op: 'agreement.set', text: TERMS })).agreement),
    );
    await execute(page, 'enclave:open', { path: 'strict/data.ipynb' });
    const shown = dialog('Agreement of strict');
    await shown.waitFor({ timeout: 20_000 });
    const path = pathOf('strict/data.ipynb');
    assert.deepEqual(await cellSources(path), []);
    await shown.locator('.jp-mod-reject').click();
    await eventually(async () => assert.equal(await widgetIdFor(page, path), null), 20_000);
    await dismissDialogs(page);
    const { signatures } = await onSpace('strict', (c) => c.request({ op: 'agreement.signatures' }));
    assert.ok(!signatures.some((s) => s.publicKey === me.publicKey));
  });

  it("lets a lead in JupyterLab see a peer's request live and approve it, invite, set the agreement and read the audit", async () => {
    await createSpace('led', [
      [me, 'lead'],
      [relay.editor, 'editor'],
    ]);
    await seedDraft('led', 'plan.md', 'plan');
    await execute(page, 'enclave:open', { path: 'led/plan.md' });
    await eventually(async () => assert.equal(await draftText(pathOf('led/plan.md')), 'plan'), 20_000);
    await page.locator('.enclave-requests-watching').filter({ hasText: 'led' }).waitFor({ state: 'attached' });

    const asker = await generateIdentity('Peer Asker');
    const waiting = new EnclaveConnection({
      relayUrl: relay.url,
      room: { space: 'led' },
      identity: asker,
      WebSocket: NodeWebSocket,
      reconnect: false,
      accessRequest: { name: 'Dr. Peer', message: 'may I read the plan?' },
    }).connect();
    closeLater.push(waiting);
    const row = page.locator(`.enclave-request[data-public-key="${asker.publicKey}"]`);
    await row.waitFor({ state: 'attached', timeout: 20_000 });
    assert.match((await row.locator('.enclave-request-message').textContent()) ?? '', /may I read the plan/);
    await page
      .getByText(/Dr\. Peer .* asks to join led/)
      .first()
      .waitFor({ timeout: 10_000 });
    await page.evaluate(() =>
      (
        window as unknown as { jupyterapp: { shell: { activateById(id: string): void } } }
      ).jupyterapp.shell.activateById('enclave-requests'),
    );
    await row.locator('.enclave-request-role').selectOption('viewer');
    await row.locator('.enclave-request-approve').click();
    const welcome = await waiting.whenWelcomed();
    assert.equal(welcome.role, 'viewer');
    await row.waitFor({ state: 'detached', timeout: 10_000 });

    // An invite created in JupyterLab, shown with its link, used by a client-library peer.
    const creating = execute<{ link: string; labUrl: string; id: string }>(page, 'enclave:invite-create', {
      space: 'led',
      role: 'editor',
      expires: '1h',
    });
    const shown = dialog('Invite to led');
    await shown.waitFor({ timeout: 20_000 });
    const link = await shown.locator('.enclave-invite-link').first().inputValue();
    await shown.locator('.jp-mod-accept').click();
    const created = await creating;
    assert.equal(created.link, link);
    assert.match(created.labUrl, /\/lab\?enclave-join=enclave%3A%2F%2Fjoin/);
    const invitee = await generateIdentity('Invitee');
    const joined = redeem(link, invitee);
    assert.equal((await joined.whenWelcomed()).role, 'editor');
    joined.destroy();

    // The lead lists the invites in JupyterLab (the used one and a second, open one) and revokes the open one.
    const open = await inviteLink('led', 'viewer');
    const listing = execute<{ id: string; status: string }[]>(page, 'enclave:invites', { space: 'led' });
    const invites = dialog('Invites to led');
    await invites.waitFor({ timeout: 20_000 });
    const rows = await invites.locator('.enclave-invites tbody tr').allInnerTexts();
    assert.equal(rows.length, 2, rows.join('\n'));
    assert.ok(
      rows.some((r) => r.includes(created.id) && r.includes('used')),
      rows.join('\n'),
    );
    assert.ok(
      rows.some((r) => r.includes(open.id) && r.includes('open')),
      rows.join('\n'),
    );
    await invites.locator('.jp-mod-accept').click(); // "Revoke an Open Invite…"
    const picking = dialog('Revoke an invite to led');
    await picking.waitFor({ timeout: 10_000 });
    assert.match(await picking.locator('select').inputValue(), new RegExp(open.id));
    await picking.locator('.jp-mod-accept').click();
    const done = dialog(`Invite ${open.id} revoked`);
    await done.waitFor({ timeout: 10_000 });
    await done.locator('.jp-mod-accept').click();
    const after = await listing;
    assert.equal(after.find((i) => i.id === open.id)?.status, 'revoked');
    const tooLate = await generateIdentity('Too Late');
    const refused = redeem(open.link, tooLate);
    await assert.rejects(refused.whenWelcomed(), /revoked/);
    refused.destroy();
    assert.ok(!(await memberKeys('led')).includes(tooLate.publicKey), 'the revoked link admitted nobody');

    // The agreement, set from JupyterLab (the lead signs it too), then signed by a peer.
    const set = await execute<{ version: number }>(page, 'enclave:agreement-set', { space: 'led', text: TERMS });
    assert.equal(set.version, 1);
    await onSpace('led', async (c) => c.signAgreement((await c.whenWelcomed()).agreement!), relay.editor);
    const signatures = await execute<{ publicKey: string }[]>(page, 'enclave:agreement-signatures', {
      space: 'led',
      silent: true,
    });
    assert.deepEqual(signatures.map((s) => s.publicKey).sort(), [me.publicKey, relay.editor.publicKey].sort());

    // The audit log: a table, exported as JSON lines.
    const auditing = execute(page, 'enclave:audit', { space: 'led' });
    const table = dialog('Audit log of led');
    await table.waitFor({ timeout: 20_000 });
    assert.ok((await table.locator('.enclave-audit tbody tr').count()) > 5);
    const auditText = await table.innerText();
    assert.ok(!auditText.includes('ed25519:'), 'names and short fingerprints, not keys');
    assert.match(auditText, /\(\w{4}-\w{4}\)/);
    const [download] = await Promise.all([page.waitForEvent('download'), table.locator('.jp-mod-accept').click()]);
    await auditing;
    assert.equal(download.suggestedFilename(), 'led-audit.jsonl');
    const events = readFileSync(await download.path(), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { event: string });
    for (const event of [
      'granted',
      'access-requested',
      'invite-created',
      'invite-used',
      'agreement-set',
      'agreement-signed',
    ]) {
      assert.ok(
        events.some((e) => e.event === event),
        `${event} in ${events.map((e) => e.event).join(',')}`,
      );
    }
  });

  it('browses the directory: a verified listing, Ask to Join reaches the leads as from the directory, an altered listing is marked', async () => {
    await createSpace('listed');
    await seedDraft('listed', 'reading.md', 'week 1: induction heads');
    await listSpace('listed', relay.lead, {
      title: 'Interpretability reading group',
      description: 'Induction heads in small transformers',
      expectations: 'Cite drafts',
      showAgreement: false,
    });
    const { listings } = await execute<{ listings: number }>(page, 'enclave:directory', { relay: RELAY });
    assert.ok(listings >= 1);
    const entry = page.locator('.enclave-directory-entry[data-space="listed"]');
    await entry.waitFor({ timeout: 20_000 });
    assert.equal(await entry.getAttribute('data-verified'), 'true');
    const leadFingerprint = await fingerprint(relay.lead.publicKey);
    assert.equal(
      await entry.locator('.enclave-directory-badge').innerText(),
      `✓ Verified: signed by Ada Lead (${leadFingerprint})`,
    );
    assert.match(await entry.innerText(), /Induction heads in small transformers/);
    assert.doesNotMatch(await entry.innerText(), /reading\.md|week 1/, 'nothing from inside the space');
    if (process.env['ENCLAVE_README_SCREENSHOTS'] === '1') {
      // Only under `ENCLAVE_README_SCREENSHOTS=1`: a test run writes nothing tracked.
      await page
        .locator('#enclave-directory')
        .screenshot({ path: join(PLUGIN_DIR, '..', 'docs', 'directory-jupyterlab.png') });
    }

    await entry.locator('.enclave-directory-ask').click();
    const asking = dialog('Request access');
    await asking.waitFor({ timeout: 20_000 });
    await asking.locator('input').fill('found you in the directory');
    await asking.locator('.jp-mod-accept').click();
    const view = page.locator(`#enclave-access-request-${RELAY}-listed`);
    await page.locator(`#enclave-access-request-${RELAY}-listed[data-state="waiting"]`).waitFor({ timeout: 20_000 });
    const { requests } = await onSpace('listed', (c) => c.request({ op: 'requests.list', status: 'pending' }));
    const mine = requests.find((r) => r.publicKey === me.publicKey)!;
    assert.equal(mine.via, 'directory');
    assert.equal(mine.message, 'found you in the directory');
    await onSpace('listed', (c) => c.request({ op: 'requests.approve', id: mine.id, role: 'viewer' }));
    await page.locator(`#enclave-access-request-${RELAY}-listed[data-state="approved"]`).waitFor({ timeout: 20_000 });
    await view.locator('.enclave-open-document[data-document="reading.md"]').click();
    await eventually(
      async () => assert.equal(await draftText(pathOf('listed/reading.md')), 'week 1: induction heads'),
      20_000,
    );

    // The relay now serves a title its lead never signed: the panel says so and will not ask from it.
    // The relay's storage: the listing is altered in it, as a dishonest relay would.
    const stored = (await relay.storage.getListing('listed'))!;
    await relay.storage.putListing({ ...stored, title: 'Free GPU hours' });
    await page.evaluate(() =>
      (
        window as unknown as { jupyterapp: { shell: { activateById(id: string): void } } }
      ).jupyterapp.shell.activateById('enclave-directory'),
    );
    await page.locator('.enclave-directory-refresh').click();
    const altered = page.locator('.enclave-directory-entry[data-space="listed"][data-verified="false"]');
    await altered.waitFor({ timeout: 20_000 });
    assert.match(
      await altered.locator('.enclave-directory-badge').innerText(),
      /NOT VERIFIED: the listing of listed cannot be trusted: it does not match its signature/,
    );
    assert.equal(await altered.locator('.enclave-directory-ask').isDisabled(), true);
  });

  it('shows a lead in JupyterLab that a request came from the directory', async () => {
    await createSpace('ours', [[me, 'lead']]);
    await seedDraft('ours', 'plan.md', 'plan');
    await listSpace('ours', me, {
      title: 'Ours',
      description: 'A listed space',
      expectations: '',
      showAgreement: false,
    });
    await execute(page, 'enclave:open', { path: 'ours/plan.md' });
    await eventually(async () => assert.equal(await draftText(pathOf('ours/plan.md')), 'plan'), 20_000);
    await page.locator('.enclave-requests-watching').filter({ hasText: 'ours' }).waitFor({ state: 'attached' });
    const asker = await generateIdentity('Browsing Peer');
    const waiting = new EnclaveConnection({
      relayUrl: relay.url,
      room: { space: 'ours' },
      identity: asker,
      WebSocket: NodeWebSocket,
      reconnect: false,
      accessRequest: { name: 'Dr. Browser', message: 'saw the listing', via: 'directory' },
    }).connect();
    closeLater.push(waiting);
    const row = page.locator(`.enclave-request[data-public-key="${asker.publicKey}"][data-via="directory"]`);
    await row.waitFor({ state: 'attached', timeout: 20_000 });
    assert.match(
      (await row.locator('.enclave-request-who').textContent()) ?? '',
      /Dr\. Browser · .* → ours · from the directory/,
    );
    await page
      .getByText(/Dr\. Browser .* asks to join ours from the directory/)
      .first()
      .waitFor({ timeout: 10_000 });
  });
});
