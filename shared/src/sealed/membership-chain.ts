/**
 * A sealed space's membership chain: every change that admits a key, changes its role or removes it is a
 * statement signed by a lead, linked to the statement before it by hash. The relay stores and serves the
 * chain but holds no lead's key, so it cannot add a member to it; a lead's client wraps content keys only
 * for keys the verified chain admits. Defined once here: the canonical bytes, signing and verification.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { fromBase64Url, toBase64Url } from '../encoding/base64url.js';
import { type PublicKeyText, sign, SignatureVerifier } from '../identity/keys.js';
import { isRole, type Role } from '../protocol/access.js';

/** One signed membership change. `role: null` removes the subject. */
export interface MembershipStatement {
  readonly space: string;
  /** 1 for the first statement (the creator admitting itself as lead), then 2, 3, ... without gaps. */
  readonly seq: number;
  /** `statementHash` of statement `seq - 1`, base64url; '' for the first. */
  readonly prev: string;
  readonly subject: PublicKeyText;
  readonly role: Role | null;
  /** The lead who signed it (the subject itself for the first statement). */
  readonly by: PublicKeyText;
  /** ISO 8601, chosen by the signer's client. */
  readonly at: string;
  /** Ed25519 by `by` over `statementPayload(relayId, statement)`, base64url. */
  readonly signature: string;
}

export type UnsignedStatement = Omit<MembershipStatement, 'signature'>;

/** Thrown when a served chain is not one that leads signed: forged, altered, reordered or cut short. */
export class ChainBroken extends Error {
  override readonly name = 'ChainBroken';
}

/**
 * The exact bytes a lead signs: a JSON array in a fixed order (as the directory's listing encoding). The
 * relay's id binds the statement to this relay, the previous hash to its place in the chain.
 */
export function statementPayload(relayId: string, s: UnsignedStatement): Uint8Array {
  return new TextEncoder().encode(
    JSON.stringify(['enclave-membership', 1, relayId, s.space, s.seq, s.prev, s.subject, s.role, s.by, s.at]),
  );
}

/** What the next statement's `prev` names: SHA-256 over the signed bytes and the signature. */
export function statementHash(relayId: string, s: MembershipStatement): string {
  const payload = statementPayload(relayId, s);
  const signature = fromBase64Url(s.signature);
  const both = new Uint8Array(payload.length + signature.length);
  both.set(payload);
  both.set(signature, payload.length);
  return toBase64Url(sha256(both));
}

export async function signStatement(
  relayId: string,
  statement: UnsignedStatement,
  signingKey: CryptoKey,
  crypto?: Crypto,
): Promise<MembershipStatement> {
  const signature = toBase64Url(await sign(signingKey, statementPayload(relayId, statement), crypto));
  return { ...statement, signature };
}

/** What a verified chain says: who is admitted in which role, rooted where, and its last link. */
export interface ChainState {
  readonly root: PublicKeyText;
  readonly members: ReadonlyMap<PublicKeyText, Role>;
  /**
   * Every key some statement made an editor or a lead, removed or demoted since or not: the authors whose
   * sealed updates a member may accept (writing rights of the past cannot be dated against log entries).
   */
  readonly writers: ReadonlySet<PublicKeyText>;
  /** Number of statements (0 for an empty chain) and the hash the next statement must name. */
  readonly length: number;
  readonly head: string;
}

export const EMPTY_CHAIN_HEAD = '';

/** A point of a chain this client saw before: a later chain must still hold it (no truncation or fork). */
export interface ChainPin {
  readonly root: PublicKeyText;
  readonly length: number;
  readonly head: string;
}

/**
 * Verifies a whole chain, in order, for `space` at relay `relayId`. With `pin`, the chain must start at the
 * pinned root and still hold the pinned head at the pinned length. Throws ChainBroken saying what is wrong.
 */
export async function verifyChain(
  relayId: string,
  space: string,
  statements: readonly MembershipStatement[],
  pin?: ChainPin,
  verifier: SignatureVerifier = new SignatureVerifier(),
): Promise<ChainState> {
  const members = new Map<PublicKeyText, Role>();
  const writers = new Set<PublicKeyText>();
  let head = EMPTY_CHAIN_HEAD;
  let root: PublicKeyText | undefined;
  for (const [index, s] of statements.entries()) {
    const where = `statement ${index + 1}`;
    if (s.space !== space) throw new ChainBroken(`${where} is about another space`);
    if (s.seq !== index + 1) throw new ChainBroken(`${where} carries number ${s.seq}: the chain was reordered`);
    if (s.prev !== head) throw new ChainBroken(`${where} does not follow the one before it`);
    if (s.role !== null && !isRole(s.role)) throw new ChainBroken(`${where} names no role`);
    if (index === 0) {
      if (s.by !== s.subject || s.role !== 'lead') throw new ChainBroken('the first statement is not a creator');
      if (pin && s.by !== pin.root) throw new ChainBroken(`the chain is rooted at ${s.by}, not at ${pin.root}`);
      root = s.by;
    } else if (members.get(s.by) !== 'lead') {
      throw new ChainBroken(`${where} is signed by ${s.by}, who was not a lead then`);
    }
    if (!(await verifySignature(verifier, relayId, s))) throw new ChainBroken(`${where} has a bad signature`);
    if (s.role === null) members.delete(s.subject);
    else members.set(s.subject, s.role);
    if (s.role === 'editor' || s.role === 'lead') writers.add(s.subject);
    head = statementHash(relayId, s);
    if (pin && index + 1 === pin.length && head !== pin.head) {
      throw new ChainBroken(`the chain differs from the one seen before at statement ${pin.length}`);
    }
  }
  if (pin && statements.length < pin.length) {
    throw new ChainBroken(`the chain has ${statements.length} statements, ${pin.length} were seen before`);
  }
  if (root === undefined) {
    if (pin) throw new ChainBroken('the chain is empty');
    return { root: '' as PublicKeyText, members, writers, length: 0, head };
  }
  return { root, members, writers, length: statements.length, head };
}

async function verifySignature(verifier: SignatureVerifier, relayId: string, s: MembershipStatement): Promise<boolean> {
  try {
    const key = fromBase64Url(s.by.slice('ed25519:'.length));
    return await verifier.verify(key, fromBase64Url(s.signature), statementPayload(relayId, s));
  } catch {
    return false;
  }
}
