/**
 * A sealed space's keys as the relay keeps them: wrapped to members by leads' clients, handed to each
 * member only their own, never readable by the relay. Revoking in a sealed space is a rotation: a new epoch
 * whose key the revoking lead's client wrapped to every member kept, stored with the removal in one step.
 */
import { fromBase64Url, type PublicKeyText, type ResultOf, toBase64Url, type WrappedKeyInfo } from '@enclave/shared';
import type { AccessService } from '../access/access-service.js';
import { RequestFailure } from '../control/request-failure.js';
import { LastLeadError, type Storage, StorageConflict, type WrappedKeyRecord } from '../storage/storage.js';
import type { SpaceEpochs } from './space-epochs.js';

export class KeyService {
  constructor(
    private readonly storage: Storage,
    private readonly access: AccessService,
    readonly epochs: SpaceEpochs,
  ) {}

  async requireSealed(space: string): Promise<void> {
    if (!(await this.storage.getSpace(space))?.sealed) {
      throw new RequestFailure('bad-request', `space ${space} is not sealed: it has no keys`);
    }
  }

  async mine(space: string, member: PublicKeyText): Promise<ResultOf['keys.mine']> {
    await this.requireSealed(space);
    await this.access.requireMember(space, member);
    const keys = await this.storage.listWrappedKeys(space, member);
    return { epoch: await this.epochs.current(space), keys: keys.map(toWire) };
  }

  async missing(space: string, lead: PublicKeyText): Promise<ResultOf['keys.missing']> {
    await this.requireSealed(space);
    await this.access.requireLead(space, lead);
    return { epoch: await this.epochs.current(space), missing: await this.storage.listMissingKeys(space) };
  }

  async wrap(space: string, lead: PublicKeyText, keys: readonly WrappedKeyInfo[]): Promise<ResultOf['keys.wrap']> {
    await this.requireSealed(space);
    await this.access.requireLead(space, lead);
    try {
      await this.storage.putWrappedKeys(
        space,
        keys.map((k) => fromWire(k, lead)),
      );
    } catch (error) {
      if (error instanceof StorageConflict) throw new RequestFailure('conflict', error.message);
      throw error;
    }
    await this.access.audit(space, { event: 'keys-wrapped', actor: lead, reason: `${keys.length} key(s)` });
    return { stored: keys.length };
  }

  /** Starts the next epoch (and revokes, when asked) in one step; the relay then refuses older epochs. */
  async rotate(
    space: string,
    lead: PublicKeyText,
    request: { epoch: number; keys: readonly WrappedKeyInfo[]; revoke?: PublicKeyText },
  ): Promise<ResultOf['keys.rotate']> {
    await this.requireSealed(space);
    await this.access.requireLead(space, lead);
    if (request.keys.some((k) => k.epoch !== request.epoch)) {
      throw new RequestFailure('bad-request', `every key of a rotation is of epoch ${request.epoch}`);
    }
    const revoked = request.revoke ? await this.storage.getMember(space, request.revoke) : undefined;
    try {
      await this.storage.rotateEpoch(space, {
        epoch: request.epoch,
        by: lead,
        created: new Date().toISOString(),
        keys: request.keys.map((k) => fromWire(k, lead)),
        ...(request.revoke ? { revoke: request.revoke } : {}),
      });
    } catch (error) {
      if (error instanceof LastLeadError) {
        throw new RequestFailure('last-lead', 'a space needs a lead: grant the lead role to someone else first');
      }
      if (error instanceof StorageConflict) throw new RequestFailure('conflict', error.message);
      throw error;
    }
    this.epochs.rotated(space, request.epoch);
    await this.access.audit(space, {
      event: 'epoch-started',
      actor: lead,
      reason: `epoch ${request.epoch}, wrapped to ${request.keys.length} member(s)`,
    });
    if (request.revoke && revoked) await this.access.revoked(space, lead, request.revoke, revoked.role, revoked.name);
    return { epoch: request.epoch };
  }
}

function toWire(record: WrappedKeyRecord): WrappedKeyInfo {
  return {
    publicKey: record.publicKey,
    epoch: record.epoch,
    wrapped: toBase64Url(record.wrapped),
    wrappedBy: record.wrappedBy,
  };
}

function fromWire(key: WrappedKeyInfo, lead: PublicKeyText): WrappedKeyRecord {
  let wrapped: Uint8Array;
  try {
    wrapped = fromBase64Url(key.wrapped);
  } catch {
    throw new RequestFailure('bad-request', 'a wrapped key is not base64url');
  }
  return { epoch: key.epoch, publicKey: key.publicKey, wrapped, wrappedBy: lead, created: new Date().toISOString() };
}
