/**
 * The membership chain's verification and the invite admission proof: what a lead's client refuses.
 */
import assert from 'node:assert/strict';
import { generateIdentity, type Identity, importSigningKey, type PublicKeyText } from '../identity/keys.js';
import type { Role } from '../protocol/access.js';
import { checkInviteProof, inviteProof, inviteSecret } from './invite-admission.js';
import {
  ChainBroken,
  type MembershipStatement,
  signStatement,
  statementHash,
  verifyChain,
} from './membership-chain.js';

const RELAY = 'ed25519:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
const SPACE = 'vault';

async function append(
  chain: MembershipStatement[],
  signer: Identity,
  subject: PublicKeyText,
  role: Role | null,
  relayId = RELAY,
): Promise<MembershipStatement[]> {
  const last = chain[chain.length - 1];
  const statement = await signStatement(
    relayId,
    {
      space: SPACE,
      seq: chain.length + 1,
      prev: last ? statementHash(relayId, last) : '',
      subject,
      role,
      by: signer.publicKey,
      at: '2026-12-01T00:00:00.000Z',
    },
    await importSigningKey(signer),
  );
  return [...chain, statement];
}

describe('membership chain', () => {
  let lead: Identity;
  let bob: Identity;
  let eve: Identity;
  let chain: MembershipStatement[];

  beforeEach(async () => {
    [lead, bob, eve] = (await Promise.all(['Lead', 'Bob', 'Eve'].map((n) => generateIdentity(n)))) as Identity[];
    chain = await append([], lead!, lead!.publicKey, 'lead');
    chain = await append(chain, lead!, bob!.publicKey, 'editor');
  });

  it('admits what leads signed, rooted at the creator, and follows role changes and removals', async () => {
    chain = await append(chain, lead, bob.publicKey, 'lead');
    chain = await append(chain, bob, eve.publicKey, 'viewer');
    chain = await append(chain, bob, lead.publicKey, null);
    const state = await verifyChain(RELAY, SPACE, chain);
    assert.equal(state.root, lead.publicKey);
    assert.deepEqual(
      [...state.members].sort(),
      [
        [bob.publicKey, 'lead'],
        [eve.publicKey, 'viewer'],
      ].sort(),
    );
    assert.equal(state.length, 5);
  });

  it('refuses a statement signed by a non-lead, an altered one, and one made for another relay or space', async () => {
    const byEditor = await append(chain, bob, eve.publicKey, 'editor');
    await assert.rejects(verifyChain(RELAY, SPACE, byEditor), /not a lead then/);
    const byStranger = await append(chain, eve, eve.publicKey, 'lead');
    await assert.rejects(verifyChain(RELAY, SPACE, byStranger), /not a lead then/);
    const altered = [chain[0]!, { ...chain[1]!, subject: eve.publicKey }];
    await assert.rejects(verifyChain(RELAY, SPACE, altered), /bad signature/);
    const promoted = [chain[0]!, { ...chain[1]!, role: 'lead' as const }];
    await assert.rejects(verifyChain(RELAY, SPACE, promoted), /bad signature/);
    await assert.rejects(verifyChain(`${RELAY.slice(0, -1)}B`, SPACE, chain), /bad signature/);
    await assert.rejects(verifyChain(RELAY, 'other', chain), /another space/);
  });

  it('refuses a chain the relay rooted elsewhere, reordered, relinked or cut short', async () => {
    chain = await append(chain, lead, eve.publicKey, 'viewer');
    const pin = await verifyChain(RELAY, SPACE, chain);
    // A whole chain forged by someone else, as a relay operator with its own key could make one.
    let forged = await append([], eve, eve.publicKey, 'lead');
    forged = await append(forged, eve, lead.publicKey, 'lead');
    await assert.rejects(verifyChain(RELAY, SPACE, forged, pin), /rooted at/);
    await assert.rejects(verifyChain(RELAY, SPACE, [chain[0]!, chain[2]!, chain[1]!]), /reordered/);
    await assert.rejects(verifyChain(RELAY, SPACE, [chain[0]!, chain[2]!]), /reordered/);
    await assert.rejects(verifyChain(RELAY, SPACE, [chain[0]!, { ...chain[1]!, prev: '' }]), /does not follow/);
    // The last statement dropped: unnoticeable from the chain alone, caught by the pin of one seen before.
    await verifyChain(RELAY, SPACE, chain.slice(0, 2));
    await assert.rejects(verifyChain(RELAY, SPACE, chain.slice(0, 2), pin), /seen before/);
    // A different statement at the pinned place (a fork) is caught too.
    const fork = await append(chain.slice(0, 2), lead, eve.publicKey, 'editor');
    await assert.rejects(verifyChain(RELAY, SPACE, fork, pin), /differs/);
    assert.equal((await verifyChain(RELAY, SPACE, await append(chain, lead, bob.publicKey, null), pin)).length, 4);
  });

  it('refuses a first statement that is not its signer admitting itself as lead', async () => {
    const notSelf = await append([], lead, bob.publicKey, 'lead');
    await assert.rejects(verifyChain(RELAY, SPACE, notSelf), ChainBroken);
    const notLead = await append([], lead, lead.publicKey, 'editor');
    await assert.rejects(verifyChain(RELAY, SPACE, notLead), ChainBroken);
  });
});

describe('invite admission proof', () => {
  it("holds only for the redeemer's key, the lead's invite and the secret in the link", async () => {
    const [lead, bob, eve] = (await Promise.all(['Lead', 'Bob', 'Eve'].map((n) => generateIdentity(n)))) as Identity[];
    const secret = inviteSecret(lead!, RELAY, SPACE, 'inv1');
    const proof = inviteProof(secret, bob!.publicKey);
    assert.ok(checkInviteProof(lead!, RELAY, SPACE, 'inv1', bob!.publicKey, proof));
    assert.ok(!checkInviteProof(lead!, RELAY, SPACE, 'inv1', eve!.publicKey, proof), 'moved to another key');
    assert.ok(!checkInviteProof(lead!, RELAY, SPACE, 'inv2', bob!.publicKey, proof), 'moved to another invite');
    assert.ok(!checkInviteProof(eve!, RELAY, SPACE, 'inv1', bob!.publicKey, proof), "another lead's invite");
    // Without the secret, a proof made from anything the relay sees (ids, keys) does not hold.
    const guessed = inviteProof(inviteSecret(eve!, RELAY, SPACE, 'inv1'), eve!.publicKey);
    assert.ok(!checkInviteProof(lead!, RELAY, SPACE, 'inv1', eve!.publicKey, guessed));
    assert.ok(!checkInviteProof(lead!, RELAY, SPACE, 'inv1', bob!.publicKey, 'not base64url!'));
  });
});
