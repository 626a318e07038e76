/**
 * A sealed space's membership chain against a relay that lies (issue 12's "access list is the relay's
 * word"): a key the operator writes straight into storage gets no content key from a lead's KeySharing or
 * `enclave keys share`, and the lead is told; a statement forged into the stored chain, or a chain served
 * cut short or reordered, is detected; every normal way in (grant, role change, request approval, invite
 * with its link's secret, revoke by rotation, attesting a space made before chains) still gets keys.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ChainBroken,
  type EnclaveConnection,
  generateIdentity,
  type Identity,
  importSigningKey,
  KeySharing,
  loadChain,
  MemoryChainPins,
  newContentKey,
  serializeIdentity,
  shareMissingKeys,
  signStatement,
  SpaceKeys,
  statementHash,
  wrapContentKey,
} from '@enclave/shared';
import { createRelay, MemoryStorage, type Relay, silentLogger } from '@enclave/relay';
import { runCli } from '../support/cli.js';
import { connect } from '../support/relay-fixture.js';
import { waitFor } from '../support/wait.js';

const SPACE = 'vault';

describe('sealed spaces: the membership chain against a lying relay', function () {
  this.timeout(60_000);
  let dir: string;
  let storage: MemoryStorage;
  let relay: Relay;
  let relayIdentity: Identity;
  let url: string;
  let lead: Identity;
  let bob: Identity;
  let eve: Identity;
  let leadPins: MemoryChainPins;

  async function onSpace<T>(
    who: Identity,
    work: (connection: EnclaveConnection) => Promise<T>,
    pins?: MemoryChainPins,
  ): Promise<T> {
    // The same pins across a lead's connections, as one editor window or the CLI's pin file keeps them.
    const connection = connect(url, who, { space: SPACE }, false, pins ? { chainPins: pins } : {});
    try {
      await connection.whenWelcomed();
      return await work(connection);
    } finally {
      connection.destroy();
    }
  }

  const share = (): Promise<{ wrapped: number; refused: readonly string[] }> =>
    onSpace(lead, (c) => shareMissingKeys(c, new SpaceKeys(SPACE, lead)), leadPins);

  const hasKey = async (who: Identity): Promise<boolean> =>
    (await storage.listWrappedKeys(SPACE, who.publicKey)).length > 0;

  /** What an operator with its own key does: puts it on the access list in storage, no lead involved. */
  const operatorAdds = (who: Identity): Promise<void> =>
    storage.putMember(SPACE, {
      publicKey: who.publicKey,
      name: 'Eve',
      role: 'editor',
      since: new Date().toISOString(),
      grantedBy: lead.publicKey,
    });

  async function identityFile(who: Identity): Promise<string> {
    const file = join(dir, `${who.name}.json`);
    writeFileSync(file, serializeIdentity(who), { mode: 0o600 });
    return file;
  }

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'enclave-chain-'));
    [lead, bob, eve, relayIdentity] = (await Promise.all(
      ['Lead', 'Bob', 'Eve', 'relay'].map((n) => generateIdentity(n)),
    )) as Identity[];
    leadPins = new MemoryChainPins();
    storage = new MemoryStorage();
    relay = createRelay({ storage, relayIdentity, admins: [lead.publicKey], logger: silentLogger });
    url = (await relay.listen()).url;
    await onSpace(
      lead,
      async (connection) => {
        await connection.request({ op: 'space.create', name: 'Lead', sealed: true });
        await new SpaceKeys(SPACE, lead).rotate((r) => connection.request(r), [lead.publicKey]);
        await connection.request({ op: 'members.grant', publicKey: bob.publicKey, role: 'editor', name: 'Bob' });
      },
      leadPins,
    );
  });

  afterEach(async () => {
    await relay.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("gives no key to an access-list entry written straight into storage; the lead's KeySharing says so", async () => {
    await operatorAdds(eve);
    const refused: string[] = [];
    const shared: number[] = [];
    const connection = connect(url, lead, { space: SPACE }, false, { chainPins: leadPins });
    const sharing = new KeySharing(connection, new SpaceKeys(SPACE, lead), {
      intervalMs: 50,
      onRefused: (message) => refused.push(message),
      onShared: (count) => shared.push(count),
    });
    try {
      await waitFor(() => refused.length > 0, 'the lead is told about the key no lead admitted');
      await waitFor(async () => hasKey(bob), 'the member a lead granted gets the key');
      await sharing.whenIdle();
    } finally {
      sharing.destroy();
      connection.destroy();
    }
    assert.match(refused[0]!, new RegExp(eve.publicKey));
    assert.match(refused[0]!, /membership chain/);
    assert.equal(refused.length, 1, 'said once, not every round');
    assert.equal(await hasKey(eve), false, "the operator's key got no wrapped key");
    assert.deepEqual(shared, [1], "only Bob's key was wrapped");
  });

  it('`enclave keys share` wraps nothing for such an entry, exits non-zero and names it', async () => {
    await operatorAdds(eve);
    const env = { ENCLAVE_RELAY: url, ENCLAVE_IDENTITY: await identityFile(lead) };
    const result = await runCli(['keys', 'share', SPACE], env);
    assert.equal(result.code, 3, result.stderr);
    assert.match(result.stdout, /1 wrapped/, 'Bob, whom the lead granted, still gets his key');
    assert.match(result.stderr, new RegExp(`not sharing the keys of ${SPACE} with ${eve.publicKey}`));
    assert.equal(await hasKey(eve), false);
    assert.equal(await hasKey(bob), true);
  });

  it('detects a statement forged into the stored chain, and wraps nothing on its word', async () => {
    const chain = await onSpace(lead, (c) => c.request({ op: 'chain.get' }));
    const last = chain.statements[chain.statements.length - 1]!;
    // The operator signs with its own key (it has no lead's), admitting that key.
    const forged = await signStatement(
      relayIdentity.publicKey,
      {
        space: SPACE,
        seq: last.seq + 1,
        prev: statementHash(relayIdentity.publicKey, last),
        subject: eve.publicKey,
        role: 'editor',
        by: eve.publicKey,
        at: new Date().toISOString(),
      },
      await importSigningKey(eve),
    );
    await storage.appendChainStatement(SPACE, forged.seq, JSON.stringify(forged));
    await operatorAdds(eve);
    await assert.rejects(share(), (error: unknown) => error instanceof ChainBroken && /not a lead/.test(error.message));
    assert.equal(await hasKey(eve), false);
    assert.equal(await hasKey(bob), false, 'a broken chain stops the whole round');
    // The relay itself refuses such a statement from a client.
    await assert.rejects(
      onSpace(lead, (c) => c.request({ op: 'chain.append', statement: { ...forged, seq: forged.seq + 1 } })),
      /signed it|conflict|not extend/,
    );
  });

  it('detects a chain served cut short or reordered by a relay (same identity) after the lead saw it', async () => {
    await onSpace(lead, (c) => c.request({ op: 'members.grant', publicKey: eve.publicKey, role: 'viewer' }), leadPins);
    const { statements } = await onSpace(lead, (c) => c.request({ op: 'chain.get' }));
    assert.equal(statements.length, 3);
    // The operator restores an old copy, or shuffles it: a second relay with the same identity and the
    // tampered chain, as the lead's next connection meets it.
    const served = async (texts: readonly string[]): Promise<unknown> => {
      await relay.close();
      storage = new MemoryStorage();
      await storage.createSpace(
        { name: SPACE, created: new Date().toISOString(), createdBy: lead.publicKey, sealed: true },
        { publicKey: lead.publicKey, name: 'Lead', role: 'lead', since: new Date().toISOString(), grantedBy: null },
      );
      for (const [index, text] of texts.entries()) await storage.appendChainStatement(SPACE, index + 1, text);
      relay = createRelay({ storage, relayIdentity, admins: [lead.publicKey], logger: silentLogger });
      url = (await relay.listen()).url;
      return onSpace(lead, (c) => loadChain(c, c.chainPins), leadPins).then(
        () => 'accepted',
        (error: unknown) => error,
      );
    };
    const texts = statements.map((s) => JSON.stringify(s));
    const truncated = await served(texts.slice(0, 2));
    assert.ok(truncated instanceof ChainBroken && /seen before/.test(truncated.message), String(truncated));
    const reordered = await served([texts[0]!, texts[2]!, texts[1]!]);
    assert.ok(reordered instanceof ChainBroken && /reordered/.test(reordered.message), String(reordered));
    assert.equal(await served(texts), 'accepted', 'the chain as the lead saw it still verifies');
  });

  it('signs every normal way in: role change, request approval, invite with its secret, revoke by rotation', async () => {
    // Role change.
    await onSpace(lead, (c) => c.request({ op: 'members.grant', publicKey: bob.publicKey, role: 'viewer' }), leadPins);
    // Request approval.
    const carol = await generateIdentity('Carol');
    const asking = connect(url, carol, { space: SPACE }, false, {
      accessRequest: { name: 'Carol', message: 'let me in' },
    });
    try {
      await waitFor(() => asking.status === 'waiting', 'the request is pending');
      await onSpace(
        lead,
        async (c) => {
          const { requests } = await c.request({ op: 'requests.list', status: 'pending' });
          await c.request({ op: 'requests.approve', id: requests[0]!.id, role: 'editor' });
        },
        leadPins,
      );
      await asking.whenWelcomed();
    } finally {
      asking.destroy();
    }
    // Invite, redeemed with the link's admission secret (the CLI's path end to end).
    const dan = await generateIdentity('Dan');
    const leadEnv = { ENCLAVE_RELAY: url, ENCLAVE_IDENTITY: await identityFile(lead) };
    const invited = await runCli(['invite', SPACE, '--role', 'editor'], leadEnv);
    assert.equal(invited.code, 0, invited.stderr);
    assert.match(invited.stdout, /admit=/, 'a sealed space invite link carries its admission secret');
    const joined = await runCli(['join', invited.stdout.trim()], { ENCLAVE_IDENTITY: await identityFile(dan) });
    assert.equal(joined.code, 0, joined.stderr);

    const shared = await share();
    assert.deepEqual(shared.refused, []);
    assert.equal(shared.wrapped, 3, 'Bob, Carol and Dan');
    for (const who of [bob, carol, dan]) assert.equal(await hasKey(who), true, who.name);
    const chain = await onSpace(bob, (c) => loadChain(c, new MemoryChainPins()));
    assert.equal(chain.root, lead.publicKey, 'a member verifies the chain to the creator too');
    assert.deepEqual(
      [chain.members.get(bob.publicKey), chain.members.get(carol.publicKey), chain.members.get(dan.publicKey)],
      ['viewer', 'editor', 'editor'],
    );

    // Revoke by rotation: Carol is signed out and never gets the new epoch's key.
    const revoked = await runCli(['revoke', SPACE, carol.publicKey], leadEnv);
    assert.equal(revoked.code, 0, revoked.stderr);
    const after = await onSpace(lead, (c) => loadChain(c, new MemoryChainPins()));
    assert.equal(after.members.has(carol.publicKey), false);
    const epoch2 = async (who: Identity): Promise<boolean> =>
      (await storage.listWrappedKeys(SPACE, who.publicKey)).some((k) => k.epoch === 2);
    assert.deepEqual(
      await Promise.all([lead, bob, dan, carol].map(epoch2)),
      [true, true, true, false],
      'the new epoch is wrapped to everyone the chain still admits',
    );
  });

  it('refuses an invitee who came without the link’s secret: only the token reached the relay', async () => {
    const dan = await generateIdentity('Dan');
    const { token } = await onSpace(lead, (c) =>
      c.request({ op: 'invites.create', role: 'editor', expiresInSeconds: 600 }),
    );
    const joining = connect(url, dan, { space: SPACE }, false, { invite: token });
    try {
      await joining.whenWelcomed();
    } finally {
      joining.destroy();
    }
    const shared = await share();
    assert.deepEqual(shared.refused, [dan.publicKey]);
    assert.equal(await hasKey(dan), false);
  });

  it('lets a lead attest a space whose chain is empty (made before chains), then shares as usual', async () => {
    // A space as an older relay left it: access list and keys, no chain.
    await relay.close();
    storage = new MemoryStorage();
    const now = new Date().toISOString();
    await storage.createSpace(
      { name: SPACE, created: now, createdBy: lead.publicKey, sealed: true },
      { publicKey: lead.publicKey, name: 'Lead', role: 'lead', since: now, grantedBy: null },
    );
    await storage.putMember(SPACE, {
      publicKey: bob.publicKey,
      name: 'Bob',
      role: 'editor',
      since: now,
      grantedBy: null,
    });
    relay = createRelay({ storage, relayIdentity, admins: [lead.publicKey], logger: silentLogger });
    url = (await relay.listen()).url;
    const wrapped = wrapContentKey(newContentKey(), { space: SPACE, epoch: 1, recipient: lead.publicKey });
    const key = { epoch: 1, publicKey: lead.publicKey, wrapped, wrappedBy: lead.publicKey, created: now };
    await storage.rotateEpoch(SPACE, { epoch: 1, by: lead.publicKey, created: now, keys: [key] });
    const env = { ENCLAVE_RELAY: url, ENCLAVE_IDENTITY: await identityFile(lead) };
    const before = await runCli(['keys', 'share', SPACE], env);
    assert.equal(before.code, 3, 'nobody is admitted before the lead attests');
    assert.match(before.stderr, /keys attest/);
    const attested = await runCli(['keys', 'attest', SPACE], env);
    assert.equal(attested.code, 0, attested.stderr);
    assert.match(attested.stdout, new RegExp(`editor\\t${bob.publicKey}`));
    const after = await runCli(['keys', 'share', SPACE], env);
    assert.equal(after.code, 0, after.stderr);
    assert.match(after.stdout, /1 wrapped/);
    assert.equal(await hasKey(bob), true);
  });
});
