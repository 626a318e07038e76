/**
 * The rules every engine applies, inside its own transaction, before it changes the access list or stores a
 * sealed space's epoch or wrapped keys (the last-lead rule, Storage.approveAccessRequest,
 * Storage.rotateEpoch, Storage.putWrappedKeys). Defined once so that SQLite, memory and PostgreSQL refuse
 * exactly the same things. Each throws before anything is written.
 */
import {
  type EpochRotation,
  LastLeadError,
  type MemberRecord,
  StorageConflict,
  type WrappedKeyRecord,
} from './storage.js';

/** Whether `publicKey` is on the space's access list (as the engine sees it inside its transaction). */
export type IsMember = (publicKey: string) => boolean;

/** Refuses a rotation that is not the one after `current`, or whose keys do not all belong to it. */
export function checkRotation(rotation: EpochRotation, current: number, isMember: IsMember): void {
  // Compare-and-set: of two leads rotating from the same epoch, the second finds it already taken.
  if (rotation.epoch !== current + 1) {
    throw new StorageConflict(`epoch ${String(rotation.epoch)} does not follow the current epoch ${current}`);
  }
  for (const key of rotation.keys) {
    if (key.epoch !== rotation.epoch) {
      throw new StorageConflict(`a key of epoch ${key.epoch} in the rotation to epoch ${rotation.epoch}`);
    }
    // The revoked member must never receive the key that exists to shut them out.
    if (key.publicKey === rotation.revoke) throw new StorageConflict(`a key wrapped to the revoked ${key.publicKey}`);
  }
  checkMembers(rotation.keys, isMember);
}

/** Refuses removing `target` when they are the space's only lead (`leads` counts its leads). */
export function checkNotLastLead(target: Pick<MemberRecord, 'publicKey' | 'role'> | undefined, leads: number): void {
  if (target?.role === 'lead' && leads <= 1) {
    throw new LastLeadError(`${target.publicKey} is the last lead of the space`);
  }
}

/** Refuses approving a request with a grant to anyone but its requester. */
export function checkRequester(
  request: { readonly id: string; readonly publicKey: string },
  member: MemberRecord,
): void {
  if (member.publicKey !== request.publicKey) {
    throw new StorageConflict(`request ${request.id} was made by ${request.publicKey}, not ${member.publicKey}`);
  }
}

/** Refuses keys for epochs outside 1..current, or wrapped to someone not on the access list. */
export function checkWrappedKeys(keys: readonly WrappedKeyRecord[], current: number, isMember: IsMember): void {
  for (const key of keys) {
    if (!Number.isInteger(key.epoch) || key.epoch < 1 || key.epoch > current) {
      throw new StorageConflict(`epoch ${String(key.epoch)} does not exist (the current epoch is ${current})`);
    }
  }
  checkMembers(keys, isMember);
}

function checkMembers(keys: readonly WrappedKeyRecord[], isMember: IsMember): void {
  for (const key of keys) {
    if (!isMember(key.publicKey)) throw new StorageConflict(`${key.publicKey} is not a member of the space`);
  }
}

/** Why membership statement `seq` cannot follow a chain of `length` statements (another lead came first). */
export function chainConflict(seq: number, length: number): string {
  return `membership statement ${seq} does not follow the chain's ${length} statement(s)`;
}
