import assert from 'node:assert/strict';
import { generateIdentity, serializeIdentity } from '@enclave/shared';
import { IdentityManager } from '../../src/identity/identity-manager.js';
import { MemoryIdentityStore } from '../../src/identity/identity-store.js';

describe('IdentityManager', () => {
  it('creates the identity on first use, once, even for concurrent callers, and keeps it', async () => {
    const store = new MemoryIdentityStore();
    const manager = new IdentityManager(store);
    let asked = 0;
    const name = async (): Promise<string> => {
      asked++;
      return 'Ada Lovelace';
    };
    const [a, b] = await Promise.all([manager.ensure(name), manager.ensure(name)]);
    assert.equal(asked, 1);
    assert.equal(a.publicKey, b.publicKey);
    assert.equal(a.name, 'Ada Lovelace');
    const reloaded = await new IdentityManager(store).load();
    assert.deepEqual(reloaded, a);
    const summary = (await manager.summary())!;
    assert.equal(summary.initials, 'AL');
    assert.match(summary.fingerprint, /^[0-9a-f]{4}(-[0-9a-f]{4}){3}$/);
    assert.match(summary.color, /^#[0-9a-f]{6}$/);
  });

  it('refuses to create an identity without a name', async () => {
    const manager = new IdentityManager(new MemoryIdentityStore());
    await assert.rejects(
      manager.ensure(async () => '  '),
      /display name/,
    );
    assert.equal(manager.current, undefined);
  });

  it('imports the identity file the CLI writes and exports the same text', async () => {
    const manager = new IdentityManager(new MemoryIdentityStore());
    await manager.ensure(async () => 'First');
    const other = await generateIdentity('Grace');
    const changed: string[] = [];
    manager.on('changed', (identity) => changed.push(identity.publicKey));
    const imported = await manager.importText(serializeIdentity(other));
    assert.deepEqual(imported, other);
    assert.deepEqual(changed, [other.publicKey]);
    assert.equal(manager.exportText(), serializeIdentity(other));
  });

  it('rejects a file whose secret key belongs to another public key, keeping the current identity', async () => {
    const manager = new IdentityManager(new MemoryIdentityStore());
    const mine = await manager.ensure(async () => 'Mine');
    const [a, b] = [await generateIdentity('A'), await generateIdentity('B')];
    const forged = serializeIdentity({ name: 'A', publicKey: a.publicKey, secretKey: b.secretKey });
    await assert.rejects(manager.importText(forged), /does not belong/);
    await assert.rejects(manager.importText('{"name":"x"}'), /publicKey/);
    assert.equal(manager.current?.publicKey, mine.publicKey);
  });
});
