import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { checkRelayUrl, RELAY_LIST_SCHEMA, suggestRelayName } from '@enclave/shared';
import { findRelay, findRelayByUrl, readSettings } from '../../src/settings.js';

describe('settings', () => {
  it('reads relays, display name and cursor preference', () => {
    const { settings, problems } = readSettings({
      relays: [{ name: 'team', url: 'ws://127.0.0.1:8787/' }],
      displayName: '  Ada  ',
      showRemoteCursors: false,
    });
    assert.deepEqual(problems, []);
    assert.deepEqual(settings, {
      relays: [{ name: 'team', url: 'ws://127.0.0.1:8787' }],
      displayName: 'Ada',
      showRemoteCursors: false,
    });
    assert.equal(findRelay(settings, 'team').url, 'ws://127.0.0.1:8787');
  });

  it('leaves out invalid relays and says why, keeping the valid ones', () => {
    const { settings, problems } = readSettings({
      relays: [
        { name: 'ok', url: 'wss://relay.example/' },
        { name: 'web', url: 'https://relay.example' },
        { name: 'ok', url: 'ws://other' },
        { name: 'bad name', url: 'ws://x' },
        { url: 'ws://x' },
      ],
    });
    assert.deepEqual(
      settings.relays.map((r) => r.name),
      ['ok'],
    );
    assert.equal(problems.length, 4);
    assert.match(problems[0]!, /ws:\/\/ or wss:\/\//);
    assert.match(problems[1]!, /used twice/);
  });

  it('reads a bare URL (the older VS Code shape) as a relay named after its host', () => {
    const { settings, problems } = readSettings({ relays: ['ws://127.0.0.1:8787/', { name: 'team', url: 'wss://t' }] });
    assert.deepEqual(problems, []);
    assert.deepEqual(settings.relays, [
      { name: '127.0.0.1-8787', url: 'ws://127.0.0.1:8787' },
      { name: 'team', url: 'wss://t' },
    ]);
  });

  it("declares the relay list with shared's schema, the one VS Code's setting declares too", () => {
    const schema = JSON.parse(readFileSync(new URL('../../../../schema/plugin.json', import.meta.url), 'utf8')) as {
      properties: { relays: Record<string, unknown> };
    };
    const { title: _title, description: _description, ...declared } = schema.properties.relays;
    assert.deepEqual(declared, JSON.parse(JSON.stringify(RELAY_LIST_SCHEMA)));
  });

  it('refuses credentials in relay URLs and names unknown relays', () => {
    assert.throws(() => checkRelayUrl('ws://user:pw@host'), /credentials/);
    assert.throws(() => findRelay(readSettings({}).settings, 'team'), /no relay named "team".*none/);
  });
});

describe('relays met in links', () => {
  const settings = readSettings({ relays: [{ name: 'team', url: 'wss://relay.example:8787/' }] }).settings;

  it('finds a configured relay by URL, or suggests a unique name for a new one', () => {
    assert.equal(findRelayByUrl(settings, 'wss://relay.example:8787')?.name, 'team');
    assert.equal(findRelayByUrl(settings, 'wss://other.example'), undefined);
    assert.equal(suggestRelayName('ws://127.0.0.1:9000', []), '127.0.0.1-9000');
    assert.equal(suggestRelayName('wss://relay.example', ['relay.example']), 'relay.example-2');
  });
});
