/** Which space a governance command acts on (arguments, else the active shared document, else ask), and its channel. */
import type { EnclaveConnection, Identity } from '@enclave/shared';
import { pickName, pickRelay } from '../commands/pickers.js';
import { withSpace } from '../commands/space-channel.js';
import { ensureIdentity } from '../identity/identity-commands.js';
import type { Services } from '../services.js';
import { passAgreement } from '@enclave/shared';

export interface SpaceArgs {
  readonly relay?: string;
  readonly space?: string;
}

export interface SpaceTarget {
  readonly relay: string;
  readonly space: string;
  readonly identity: Identity;
}

export async function targetSpace(services: Services, args: SpaceArgs): Promise<SpaceTarget | undefined> {
  const identity = await ensureIdentity(services.identities);
  const active = services.sessions.active();
  const relay = args.relay ?? active?.address.relay ?? (identity ? await pickRelay() : undefined);
  const space = args.space ?? active?.address.space ?? (relay ? await pickName('space') : undefined);
  return identity && relay && space ? { relay, space, identity } : undefined;
}

/** Gets a channel past the space's agreement (asking the person to sign it) before `action` runs. */
export function gateFor(services: Services, relay: string, space: string) {
  return (connection: EnclaveConnection) => passAgreement(connection, { relay, space }, services.agreements.ask);
}

export function onSpace<T>(
  services: Services,
  target: SpaceTarget,
  action: (channel: EnclaveConnection) => Promise<T>,
): Promise<T> {
  return withSpace(target.relay, target.space, target.identity, action, gateFor(services, target.relay, target.space));
}
