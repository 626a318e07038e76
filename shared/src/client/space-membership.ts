/**
 * A client's side of a sealed space's membership chain (sealed/membership-chain.ts): fetch and verify it
 * against what this client saw before (its pin), and sign the membership changes its lead makes. The
 * connection calls `recordMembershipChange` after every grant, approval and revoke in a sealed space, so
 * both editors and the CLI sign the same way without doing anything themselves.
 *
 * Where the chain's root comes from: pinned on first use. The first chain a client verifies fixes its root
 * (the creator's key, or for a space made before chains, the lead who first attested it) and its length
 * and head; later chains must keep both. That trusts the relay once, at the first look; a pin that lives as
 * long as the client's storage (the CLI keeps a file) makes that once per space.
 */
import type { PublicKeyText } from '../identity/keys.js';
import { importSigningKey } from '../identity/keys.js';
import type { Role } from '../protocol/access.js';
import type { Request, ResultOf } from '../protocol/messages.js';
import { parseStatement } from '../protocol/messages.js';
import {
  ChainBroken,
  type ChainState,
  type MembershipStatement,
  signStatement,
  verifyChain,
} from '../sealed/membership-chain.js';
import type { ChainPins } from './chain-pins.js';
import type { EnclaveConnection } from './enclave-connection.js';
import { checkInviteProof, inviteSecret } from '../sealed/invite-admission.js';
import { RequestError } from './errors.js';

/** One change to sign: `role: null` removes the subject. */
export interface MembershipChange {
  readonly subject: PublicKeyText;
  readonly role: Role | null;
}

/** Fetches the connection's space's chain, verifies it against the pin and moves the pin forward. */
export async function loadChain(connection: EnclaveConnection, pins: ChainPins): Promise<ChainState> {
  const relayId = connection.relayId;
  if (!relayId) throw new ChainBroken('the relay has not said who it is');
  const space = connection.options.room.space;
  const answer = await connection.request({ op: 'chain.get' });
  let statements: MembershipStatement[];
  try {
    statements = answer.statements.map((s) => parseStatement(s));
  } catch (error) {
    throw new ChainBroken(`the relay sent a malformed chain: ${error instanceof Error ? error.message : error}`);
  }
  const state = await verifyChain(relayId, space, statements, await pins.get(relayId, space));
  if (state.length > 0) await pins.set(relayId, space, { root: state.root, length: state.length, head: state.head });
  return state;
}

/**
 * Signs `changes` (already made on the access list) into the chain, after the statements already there.
 * An empty chain first gets this lead admitting itself: that makes it the root (the creator, or the lead
 * who attests a space made before chains). Another lead appending at the same moment makes the relay
 * answer `conflict`; the chain is then read again and the changes signed after the newcomer's.
 */
export async function signMembership(
  connection: EnclaveConnection,
  pins: ChainPins,
  changes: readonly MembershipChange[],
): Promise<ChainState> {
  const identity = connection.options.identity;
  const signingKey = await importSigningKey(identity, connection.options.crypto);
  for (let attempt = 1; ; attempt++) {
    let state = await loadChain(connection, pins);
    const todo: MembershipChange[] = state.length === 0 ? [{ subject: identity.publicKey, role: 'lead' }] : [];
    for (const change of changes) {
      if (change.role !== (state.members.get(change.subject) ?? null)) todo.push(change);
    }
    try {
      let length = state.length;
      let head = state.head;
      for (const change of todo) {
        const statement = await signStatement(
          connection.relayId!,
          {
            space: connection.options.room.space,
            seq: length + 1,
            prev: head,
            subject: change.subject,
            role: change.role,
            by: identity.publicKey,
            at: new Date().toISOString(),
          },
          signingKey,
          connection.options.crypto,
        );
        await connection.request({ op: 'chain.append', statement });
        length += 1;
        state = await loadChain(connection, pins);
        head = state.head;
      }
      return state;
    } catch (error) {
      if (!(error instanceof RequestError && error.code === 'conflict') || attempt >= 5) throw error;
    }
  }
}

/** The changes a request made, as the chain records them; none for requests that change no membership. */
export function membershipChanges(request: Request, result: unknown): MembershipChange[] {
  switch (request.op) {
    case 'members.grant':
      return [{ subject: request.publicKey, role: (result as ResultOf['members.grant']).member.role }];
    case 'requests.approve': {
      const { member } = result as ResultOf['requests.approve'];
      return [{ subject: member.publicKey as PublicKeyText, role: member.role }];
    }
    case 'keys.rotate':
      return request.revoke ? [{ subject: request.revoke, role: null }] : [];
    default:
      return [];
  }
}

/** Whether the connection must sign what `request` changed: a membership change in a sealed space. */
export function changesMembership(request: Request): boolean {
  return request.op === 'members.grant' || request.op === 'requests.approve' || request.op === 'keys.rotate';
}

/**
 * Leads: creates an invite; in a sealed space also its admission secret, for the link (formatLink's
 * `admit`). Without it a sealed space's invitee is admitted by the relay but no lead's client signs them in.
 */
export async function createInvite(
  connection: EnclaveConnection,
  role: Role,
  expiresInSeconds: number,
): Promise<ResultOf['invites.create'] & { readonly admit?: string }> {
  const created = await connection.request({ op: 'invites.create', role, expiresInSeconds });
  const relayId = connection.relayId;
  if (!connection.welcome?.sealed || !relayId) return created;
  const space = connection.options.room.space;
  return { ...created, admit: inviteSecret(connection.options.identity, relayId, space, created.invite.id) };
}

/**
 * Leads: the members the relay says redeemed one of this lead's invites with a valid admission proof, among
 * `candidates` (keys the chain does not admit yet), with the invite's role.
 */
export async function provenRedemptions(
  connection: EnclaveConnection,
  candidates: readonly PublicKeyText[],
): Promise<MembershipChange[]> {
  const relayId = connection.relayId;
  if (candidates.length === 0 || !relayId) return [];
  const { identity } = connection.options;
  const { invites } = await connection.request({ op: 'invites.list' });
  const space = connection.options.room.space;
  return invites.flatMap((invite) =>
    invite.createdBy === identity.publicKey &&
    invite.usedBy !== undefined &&
    invite.usedProof !== undefined &&
    candidates.includes(invite.usedBy) &&
    checkInviteProof(identity, relayId, space, invite.id, invite.usedBy, invite.usedProof)
      ? [{ subject: invite.usedBy, role: invite.role }]
      : [],
  );
}
