/**
 * What the Enclave panel shows of one space, fetched on one space-channel connection: its documents and
 * members for everyone, and for leads the pending access requests and the open invites.
 */
import type { AccessRequestInfo, DocumentInfo, InviteInfo, Member, Role } from '@enclave/shared';
import { drivePath } from '../drive/enclave-path.js';
import type { EnclaveService } from '../enclave-service.js';

export interface SpaceDetails {
  readonly documents: readonly DocumentInfo[];
  readonly members: readonly Member[];
  /** Leads only. */
  readonly requests?: readonly AccessRequestInfo[];
  /** Leads only: invites that may still be redeemed. */
  readonly invites?: readonly InviteInfo[];
}

export function loadSpaceDetails(
  service: EnclaveService,
  relay: string,
  space: string,
  role: Role,
): Promise<SpaceDetails> {
  return service.onSpace(relay, space, async (connection) => {
    const { documents } = await connection.request({ op: 'documents.list' });
    const { members } = await connection.request({ op: 'members.list' });
    if (role !== 'lead') return { documents, members };
    const { requests } = await connection.request({ op: 'requests.list', status: 'pending' });
    const { invites } = await connection.request({ op: 'invites.list' });
    return { documents, members, requests, invites: invites.filter((i) => i.status === 'open') };
  });
}

/** The public keys present in the open documents of `space` on `relay` (their awareness), this browser's too. */
export function presentKeys(service: EnclaveService, relay: string, space: string): Set<string> {
  const present = new Set<string>();
  const prefix = `${drivePath({ relay, space })}/`;
  for (const path of service.links.paths) {
    if (!path.startsWith(prefix)) continue;
    const link = service.links.get(path);
    if (!link || link.connection.status !== 'connected') continue;
    for (const state of link.awareness.getStates().values()) {
      const key = (state as { user?: { publicKey?: unknown } }).user?.publicKey;
      if (typeof key === 'string') present.add(key);
    }
  }
  return present;
}
