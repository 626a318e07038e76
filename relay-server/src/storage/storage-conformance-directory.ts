/**
 * The directory's part of the storage conformance suite (run by describeStorageConformance for every
 * engine): listings stored exactly as signed, replaced and removed; members hidden from hints; the spaces a
 * key belongs to; where an access request came from.
 */
import assert from 'node:assert/strict';
import type { PublicKeyText } from '@enclave/shared';
import { type ListingRecord, type MemberRecord, type Storage, StorageNotFound } from './storage.js';

const LEAD = 'ed25519:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' as PublicKeyText;
const OTHER = 'ed25519:AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE' as PublicKeyText;
const now = '2026-01-01T00:00:00.000Z';
const lead: MemberRecord = { publicKey: LEAD, name: 'Lead', role: 'lead', since: now, grantedBy: null };

const listing: ListingRecord = {
  space: 'team',
  title: 'Interpretability reading group',
  description: 'Induction heads, "superposition"\nand more',
  expectations: 'Cite before you share.',
  showAgreement: true,
  listedBy: LEAD,
  listedAt: now,
  signature: 'c2lnbmF0dXJl',
};

/** `storage()` is the engine under test, made fresh with the space 'team' (LEAD its lead) for each test. */
export function describeDirectoryConformance(storage: () => Storage, reopen?: () => Promise<Storage>): void {
  describe('the directory', () => {
    it('stores a listing exactly as signed, replaces it, and removes it', async () => {
      const s = storage();
      assert.equal(await s.getListing('team'), undefined);
      await s.putListing(listing);
      assert.deepEqual(await s.getListing('team'), listing);
      const changed = {
        ...listing,
        title: 'Reading group',
        showAgreement: false,
        listedAt: '2026-01-02T00:00:00.000Z',
      };
      await s.putListing(changed);
      assert.deepEqual(await s.listListings(), [changed]);
      assert.equal(await s.removeListing('team'), true);
      assert.equal(await s.removeListing('team'), false);
      assert.equal(await s.getListing('team'), undefined);
      assert.deepEqual(await s.listListings(), []);
    });

    it('refuses a listing or a hint choice for a space that does not exist', async () => {
      await assert.rejects(storage().putListing({ ...listing, space: 'nope' }), StorageNotFound);
      await assert.rejects(storage().setHiddenFromHints('nope', LEAD, true), StorageNotFound);
      assert.deepEqual(await storage().listListings(), []);
    });

    it('lists listings by space name', async () => {
      const s = storage();
      await s.createSpace({ name: 'alpha', created: now, createdBy: LEAD }, lead);
      await s.putListing(listing);
      await s.putListing({ ...listing, space: 'alpha' });
      assert.deepEqual(
        (await s.listListings()).map((l) => l.space),
        ['alpha', 'team'],
      );
    });

    it('keeps who chose to be hidden from hints, per space', async () => {
      const s = storage();
      await s.createSpace({ name: 'alpha', created: now, createdBy: LEAD }, lead);
      await s.setHiddenFromHints('team', OTHER, true);
      await s.setHiddenFromHints('team', LEAD, true);
      await s.setHiddenFromHints('team', LEAD, true);
      assert.deepEqual(await s.listHiddenFromHints('team'), [LEAD, OTHER].sort());
      assert.deepEqual(await s.listHiddenFromHints('alpha'), []);
      await s.setHiddenFromHints('team', LEAD, false);
      await s.setHiddenFromHints('team', LEAD, false);
      assert.deepEqual(await s.listHiddenFromHints('team'), [OTHER]);
    });

    it('lists the spaces a key belongs to, following grants and removals', async () => {
      const s = storage();
      await s.createSpace({ name: 'alpha', created: now, createdBy: LEAD }, lead);
      assert.deepEqual(await s.listMemberships(LEAD), ['alpha', 'team']);
      assert.deepEqual(await s.listMemberships(OTHER), []);
      await s.putMember('team', { ...lead, publicKey: OTHER, role: 'viewer' });
      assert.deepEqual(await s.listMemberships(OTHER), ['team']);
      await s.removeMember('team', OTHER);
      assert.deepEqual(await s.listMemberships(OTHER), []);
    });

    it('keeps where an access request came from', async () => {
      const s = storage();
      const base = {
        publicKey: OTHER,
        name: 'Asker',
        message: 'saw your listing',
        created: now,
        status: 'pending' as const,
        resolvedBy: null,
        resolvedAt: null,
      };
      await s.createAccessRequest('team', { ...base, id: 'r1', via: 'directory' });
      await s.createAccessRequest('team', { ...base, id: 'r2' });
      assert.deepEqual(await s.getAccessRequest('team', 'r1'), { ...base, id: 'r1', via: 'directory' });
      assert.deepEqual(await s.getAccessRequest('team', 'r2'), { ...base, id: 'r2' });
    });

    if (reopen) {
      it('keeps listings and hint choices across close and reopen', async () => {
        await storage().putListing(listing);
        await storage().setHiddenFromHints('team', LEAD, true);
        const reopened = await reopen();
        assert.deepEqual(await reopened.getListing('team'), listing);
        assert.deepEqual(await reopened.listHiddenFromHints('team'), [LEAD]);
      });
    }
  });
}
