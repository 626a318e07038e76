import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { normalizeNotebook, parseIpynb, readNotebook, ConnectionClosedError } from '@enclave/shared';
import { YFile, YNotebook } from '@jupyter/ydoc';
import { DocumentLink } from '../../src/session/document-link.js';
import { publish, ReplaceDeclinedError } from '../../src/session/publish.js';
import { participantsOf } from '../../src/presence/participants.js';
import { eventually, NodeWebSocket, type RelayFixture, startRelay } from './relay-fixture.js';

const FIXTURES = '/work/shared/fixtures/notebooks';
const fixture = (name: string) => parseIpynb(readFileSync(`${FIXTURES}/${name}`, 'utf8'));

describe('DocumentLink and publish, against a real relay', function () {
  let relay: RelayFixture;
  const open: { destroy(): void }[] = [];
  const link = (identity: RelayFixture['lead'], document: string, model: YNotebook | YFile = new YNotebook()) => {
    const l = new DocumentLink({
      relayUrl: relay.url,
      room: { space: relay.space, document },
      identity,
      model,
      WebSocket: NodeWebSocket,
    });
    open.push(l, { destroy: () => model.dispose() });
    return { link: l, model };
  };

  beforeEach(async () => {
    relay = await startRelay();
  });
  afterEach(async () => {
    open.splice(0).forEach((o) => o.destroy());
    await relay.close();
  });

  it('shares a notebook into a new document, and an empty model opened on it gets exactly that notebook', async () => {
    const content = fixture(pickFixture());
    const result = await publish({
      relayUrl: relay.url,
      room: { space: relay.space, document: 'nb.ipynb' },
      identity: relay.editor,
      WebSocket: NodeWebSocket,
      content: { kind: 'notebook', notebook: content },
    });
    assert.equal(result.replaced, false);
    const { link: l, model } = link(relay.viewer, 'nb.ipynb');
    await l.whenSynced();
    assert.deepEqual(normalizeNotebook(readNotebook(model as YNotebook)), normalizeNotebook(content));
    assert.equal(l.role, 'viewer');
    assert.equal(l.readOnly, true);
  });

  it('refuses to bind a model that already has content (the seeding rule)', () => {
    const model = YNotebook.create();
    assert.throws(
      () =>
        new DocumentLink({
          relayUrl: relay.url,
          room: { space: relay.space, document: 'x.ipynb' },
          identity: relay.editor,
          model,
          WebSocket: NodeWebSocket,
        }),
      /already has content/,
    );
    model.dispose();
  });

  it('never merges into a document that has content: declines without consent, replaces with it', async () => {
    const room = { space: relay.space, document: 'draft.md' };
    const base = { relayUrl: relay.url, room, identity: relay.editor, WebSocket: NodeWebSocket };
    await publish({ ...base, content: { kind: 'draft', text: 'first\r\nversion ü\n' } });
    await assert.rejects(publish({ ...base, content: { kind: 'draft', text: 'second' } }), ReplaceDeclinedError);
    const { link: l, model } = link(relay.lead, 'draft.md', new YFile());
    await l.whenSynced();
    assert.equal((model as YFile).source, 'first\r\nversion ü\n');
    const asked: string[] = [];
    const result = await publish({
      ...base,
      content: { kind: 'draft', text: 'second' },
      confirmReplace: async ({ kind }) => (asked.push(kind), true),
    });
    assert.deepEqual(asked, ['draft']);
    assert.equal(result.replaced, true);
    await eventually(() => assert.equal((model as YFile).source, 'second'));
  });

  it('carries edits both ways and shows each side the other, with the identity the relay stamped', async () => {
    await publish({
      relayUrl: relay.url,
      room: { space: relay.space, document: 'live.ipynb' },
      identity: relay.lead,
      WebSocket: NodeWebSocket,
      content: { kind: 'notebook', notebook: { nbformat: 4, nbformat_minor: 5, metadata: {}, cells: [] } },
    });
    const a = link(relay.editor, 'live.ipynb');
    const b = link(relay.lead, 'live.ipynb');
    await Promise.all([a.link.whenSynced(), b.link.whenSynced()]);
    const nbA = a.model as YNotebook;
    const nbB = b.model as YNotebook;
    nbA.insertCell(0, { cell_type: 'code', source: 'x = 1' });
    await eventually(() => assert.equal(nbB.cells[0]?.getSource(), 'x = 1'));
    nbB.cells[0]!.updateSource(5, 5, '\nprint(x)');
    nbB.insertCell(1, { cell_type: 'markdown', source: '# notes' });
    await eventually(() =>
      assert.deepEqual(
        nbA.cells.map((c) => c.getSource()),
        ['x = 1\nprint(x)', '# notes'],
      ),
    );
    nbA.moveCell(1, 0);
    await eventually(() =>
      assert.deepEqual(
        nbB.cells.map((c) => c.cell_type),
        ['markdown', 'code'],
      ),
    );
    nbB.deleteCell(0);
    await eventually(() => assert.equal(nbA.cells.length, 1));

    a.model.awareness.setLocalStateField('cursor', 1);
    await eventually(() => {
      const seen = participantsOf(b.model.awareness, relay.lead.publicKey).find(
        (p) => p.publicKey === relay.editor.publicKey,
      );
      assert.ok(seen, 'the editor is visible to the lead');
      assert.equal(seen.name, 'Eve Editor');
      assert.match(seen.fingerprint, /^[0-9a-f]{4}-/);
      assert.match(seen.color, /^#/);
    });
    const stamped = [...b.model.awareness.getStates().values()]
      .map((s) => s['user'])
      .find((u) => u?.publicKey === relay.editor.publicKey);
    for (const field of ['name', 'display_name', 'username', 'initials', 'color', 'publicKey', 'fingerprint']) {
      assert.equal(typeof stamped[field], 'string', `awareness user.${field} is stamped`);
    }
  });

  it('gives a key that is not on the access list nothing', async () => {
    await publish({
      relayUrl: relay.url,
      room: { space: relay.space, document: 'secret.ipynb' },
      identity: relay.lead,
      WebSocket: NodeWebSocket,
      content: { kind: 'notebook', notebook: fixture(pickFixture()) },
    });
    const { link: l, model } = link(relay.stranger, 'secret.ipynb');
    await assert.rejects(l.whenSynced(), ConnectionClosedError);
    assert.equal((model as YNotebook).cells.length, 0);
    assert.equal(model.ydoc.store.clients.size, 0);
    assert.equal(l.connection.status, 'denied');
  });
});

/** A small fixture with outputs, markdown and code (nbformat 4.2). */
function pickFixture(): string {
  return 'Patchscopes_Generation_Demo.ipynb';
}
