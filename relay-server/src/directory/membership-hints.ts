/**
 * Shared-membership hints: which members of a listed space a visitor already shares another space with on
 * this relay. Only people on an access list the visitor is on themselves, named as that list names them
 * (what the visitor can already see there), and never a member who chose to be hidden in the listed space.
 * What this reveals is written down in SECURITY.md ("The directory").
 */
import type { PublicKeyText } from '@enclave/shared';
import type { MemberRecord, Storage } from '../storage/storage.js';

/** The people a visitor shares spaces with: key -> the spaces shared and the name each gives them. */
export type Acquaintances = ReadonlyMap<string, readonly { readonly space: string; readonly name: string }[]>;

/** Everyone on an access list the visitor is on, except the visitor. */
export async function acquaintancesOf(storage: Storage, visitor: PublicKeyText): Promise<Acquaintances> {
  const found = new Map<string, { space: string; name: string }[]>();
  for (const space of await storage.listMemberships(visitor)) {
    for (const member of await storage.listMembers(space)) {
      if (member.publicKey === visitor) continue;
      const shared = found.get(member.publicKey) ?? [];
      shared.push({ space, name: member.name });
      found.set(member.publicKey, shared);
    }
  }
  return found;
}

/**
 * The members of `listed` to show the visitor: known through a space other than `listed` itself (a member
 * of the listed space learns nothing here they could not list there), and not hidden.
 */
export function hintedMembers(
  listed: string,
  members: readonly MemberRecord[],
  hidden: ReadonlySet<string>,
  acquaintances: Acquaintances,
): { readonly publicKey: PublicKeyText; readonly name: string }[] {
  const hints: { publicKey: PublicKeyText; name: string }[] = [];
  for (const member of members) {
    if (hidden.has(member.publicKey)) continue;
    const through = acquaintances.get(member.publicKey)?.find((shared) => shared.space !== listed);
    if (through) hints.push({ publicKey: member.publicKey, name: through.name });
  }
  return hints;
}
