import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateIdentityFile } from './relay-identity.js';

describe('a relay key file shared by the relays of a service', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'enclave-relay-key-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('relays creating it at the same moment all end up with one key, in one 0600 file', async () => {
    const file = join(dir, 'relay-identity.json');
    const keys = await Promise.all(Array.from({ length: 8 }, () => loadOrCreateIdentityFile(file)));
    assert.equal(new Set(keys.map((key) => key.publicKey)).size, 1);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(dir), ['relay-identity.json'], 'no drafts left behind');
  });

  it('reads an existing key and never replaces it', async () => {
    const file = join(dir, 'relay-identity.json');
    const first = await loadOrCreateIdentityFile(file);
    const text = readFileSync(file, 'utf8');
    assert.equal((await loadOrCreateIdentityFile(file)).publicKey, first.publicKey);
    assert.equal(readFileSync(file, 'utf8'), text);
  });
});
