/**
 * The governance classes against a real relay: agreements gate content, invites admit once and say why
 * not, access requests wait on one connection until a lead answers, a lead's watcher sees requests live,
 * and the audit log exports as JSON lines.
 */
import assert from 'node:assert/strict';
import { auditJsonLines, EnclaveConnection, generateIdentity, type Identity, type SpaceEvent } from '@enclave/shared';
import { YFile } from '@jupyter/ydoc';
import { AccessRequest } from '../../src/governance/access-request.js';
import { AgreementDeclinedError, passAgreement } from '@enclave/shared';
import { auditRows, fetchAudit } from '../../src/governance/audit.js';
import {
  joinLinkFromUrl,
  joinWithInvite,
  labJoinUrl,
  parseInviteLink,
  withoutJoinParam,
} from '../../src/governance/invites.js';
import { RequestWatcher } from '../../src/governance/request-watcher.js';
import { DocumentLink } from '../../src/session/document-link.js';
import { publish } from '../../src/session/publish.js';
import { eventually, NodeWebSocket, type RelayFixture, startRelay } from './relay-fixture.js';

describe('governance', () => {
  let relay: RelayFixture;
  const open: { destroy(): void }[] = [];
  const connect = (identity: Identity, extra: { invite?: string } = {}) => {
    const c = new EnclaveConnection({
      relayUrl: relay.url,
      room: { space: relay.space },
      identity,
      WebSocket: NodeWebSocket,
      reconnect: false,
      ...extra,
    }).connect();
    open.push(c);
    return c;
  };
  const never = async (): Promise<boolean> => {
    throw new Error('no agreement expected');
  };

  beforeEach(async () => {
    relay = await startRelay();
    await publish({
      relayUrl: relay.url,
      room: { space: relay.space, document: 'paper.md' },
      identity: relay.lead,
      WebSocket: NodeWebSocket,
      content: { kind: 'draft', text: 'draft results' },
    });
  });
  afterEach(async () => {
    open.splice(0).forEach((o) => o.destroy());
    await relay.close();
  });

  describe('agreements', () => {
    beforeEach(async () => {
      const lead = connect(relay.lead);
      const { agreement } = await lead.request({ op: 'agreement.set', text: 'No capabilities work.\n' });
      await lead.signAgreement(agreement);
    });

    it('gives a document link no content until the member signs', async () => {
      const shown: string[] = [];
      let sign!: (yes: boolean) => void;
      const model = new YFile();
      const link = new DocumentLink({
        relayUrl: relay.url,
        room: { space: relay.space, document: 'paper.md' },
        identity: relay.editor,
        model,
        WebSocket: NodeWebSocket,
        agreement: (agreement) => {
          shown.push(agreement.text);
          return new Promise((resolve) => (sign = resolve));
        },
      });
      open.push(link, { destroy: () => model.dispose() });
      await eventually(() => assert.deepEqual(shown, ['No capabilities work.\n']));
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(model.getSource(), '', 'no content before signing');
      sign(true);
      await link.whenSynced();
      assert.equal(model.getSource(), 'draft results');
    });

    it('closes a document link whose agreement is declined, with nothing received', async () => {
      const model = new YFile();
      const link = new DocumentLink({
        relayUrl: relay.url,
        room: { space: relay.space, document: 'paper.md' },
        identity: relay.editor,
        model,
        WebSocket: NodeWebSocket,
        agreement: async () => false,
      });
      open.push(link, { destroy: () => model.dispose() });
      await assert.rejects(link.whenSynced(), AgreementDeclinedError);
      assert.equal(link.agreementDeclined, true);
      assert.equal(link.connection.status, 'closed');
      assert.equal(model.getSource(), '');
    });

    it('signs on a space channel before requests, or refuses to go on', async () => {
      await assert.rejects(
        passAgreement(connect(relay.viewer), { relay: 'r', space: relay.space }, async () => false),
        /did not sign/,
      );
      const connection = connect(relay.viewer);
      const welcome = await passAgreement(connection, { relay: 'r', space: relay.space }, async () => true);
      assert.equal(welcome.agreement, null);
      const { documents } = await connection.request({ op: 'documents.list' });
      assert.deepEqual(
        documents.map((d) => d.name),
        ['paper.md'],
      );
    });
  });

  describe('invites', () => {
    const invite = async (expiresInSeconds = 3600) => {
      const { token } = await connect(relay.lead).request({ op: 'invites.create', role: 'editor', expiresInSeconds });
      return parseInviteLink(`enclave://join?relay=${encodeURIComponent(relay.url)}&space=lab&invite=${token}`);
    };
    const join = (link: Awaited<ReturnType<typeof invite>>, identity: Identity) =>
      joinWithInvite({ link, relay: 'test', identity, WebSocket: NodeWebSocket, agreement: never });

    it('admits the invitee once, and says why it admits nobody after', async () => {
      const link = await invite();
      const joined = await join(link, relay.stranger);
      assert.deepEqual(joined, {
        relay: 'test',
        space: 'lab',
        role: 'editor',
        documents: [{ name: 'paper.md', kind: 'draft' }],
      });
      const other = await generateIdentity('Other');
      await assert.rejects(join(link, other), /invite already used/);
    });

    it('refuses an expired invite', async () => {
      const link = await invite(1);
      await new Promise((resolve) => setTimeout(resolve, 1300));
      await assert.rejects(join(link, relay.stranger), /invite expired/);
      const { members } = await connect(relay.lead).request({ op: 'members.list' });
      assert.ok(!members.some((m) => m.publicKey === relay.stranger.publicKey));
    });

    it('carries the link in a JupyterLab address and back', async () => {
      const link = await invite();
      const url = labJoinUrl('http://127.0.0.1:8888/jupyter/', link);
      assert.match(url, /^http:\/\/127\.0\.0\.1:8888\/jupyter\/lab\?enclave-join=/);
      assert.deepEqual(parseInviteLink(joinLinkFromUrl(url)!), link);
      assert.equal(withoutJoinParam(`${url}&token=t`), 'http://127.0.0.1:8888/jupyter/lab?token=t');
      assert.throws(() => parseInviteLink('enclave://open?relay=ws://x&space=lab&doc=a.md'), /not an invite/);
    });
  });

  describe('access requests', () => {
    it('waits on one connection; approval admits it and lists the documents; a lead watcher sees it live', async () => {
      const watcher = new RequestWatcher({
        relayAddresses: () => ({ relayUrl: relay.url, alternateUrls: [] }),
        identity: async () => relay.lead,
        WebSocket: NodeWebSocket,
      });
      open.push(watcher);
      await watcher.watch('test', relay.space);
      const arrived: string[] = [];
      watcher.on('arrived', (p) => arrived.push(p.request.name));
      const asker = await generateIdentity('Asker');
      const request = new AccessRequest({
        relayUrl: relay.url,
        relay: 'test',
        space: relay.space,
        identity: asker,
        name: 'Dr. Asker',
        message: 'please',
        WebSocket: NodeWebSocket,
        agreement: never,
      });
      open.push(request);
      await eventually(() => assert.equal(request.state.kind, 'waiting'));
      await eventually(() => assert.deepEqual(arrived, ['Dr. Asker']));
      assert.equal(watcher.pending[0]?.request.message, 'please');
      await watcher.approve(watcher.pending[0]!, 'viewer');
      const state = await request.whenSettled();
      assert.deepEqual(state, { kind: 'approved', role: 'viewer', documents: [{ name: 'paper.md', kind: 'draft' }] });
      assert.equal(watcher.pending.length, 0);
    });

    it('a denied requester gets nothing', async () => {
      const lead = connect(relay.lead);
      const events: SpaceEvent[] = [];
      lead.on('space-event', (e) => events.push(e));
      await lead.whenWelcomed();
      const request = new AccessRequest({
        relayUrl: relay.url,
        relay: 'test',
        space: relay.space,
        identity: await generateIdentity('Nope'),
        name: 'Nope',
        message: '',
        WebSocket: NodeWebSocket,
        agreement: never,
      });
      open.push(request);
      await eventually(() => assert.equal(events.length, 1));
      await lead.request({ op: 'requests.deny', id: events[0]!.request.id });
      const state = await request.whenSettled();
      assert.equal(state.kind, 'refused');
      assert.match(state.kind === 'refused' ? state.reason : '', /access request denied/);
    });

    it('makes a watcher of a space one does not lead report the problem', async () => {
      const watcher = new RequestWatcher({
        relayAddresses: () => ({ relayUrl: relay.url, alternateUrls: [] }),
        identity: async () => relay.editor,
        WebSocket: NodeWebSocket,
      });
      open.push(watcher);
      await watcher.watch('test', relay.space);
      assert.match(watcher.problemOf('test', relay.space) ?? '', /lead/);
    });
  });

  it('fetches the whole audit log and exports it as JSON lines', async () => {
    const entries = await fetchAudit(connect(relay.lead));
    assert.ok(entries.some((e) => e.event === 'granted'));
    const lines = auditJsonLines(entries).trimEnd().split('\n');
    assert.equal(lines.length, entries.length);
    assert.deepEqual(JSON.parse(lines[0]!), entries[0]);
    const rows = auditRows(entries, new Map());
    const granted = rows.find((row) => row[2] === 'granted')!;
    assert.match(granted[3]!, new RegExp(`^${relay.lead.name} \\(\\w{4}-\\w{4}\\)$`), 'the lead by name');
    for (const key of [relay.lead.publicKey, relay.editor.publicKey]) {
      assert.ok(!rows.flat().some((cell) => cell.includes(key)), 'no full key in the table');
    }
  });
});
