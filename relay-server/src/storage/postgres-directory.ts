/**
 * The relay's directory in PostgreSQL (tables `listings` and `hidden_from_hints`, postgres-schema.ts version
 * 2): listings exactly as their leads signed them, and the members who chose not to be shown in hints.
 */
import type { PublicKeyText } from '@enclave/shared';
import type { PostgresPool } from './postgres-pool.js';
import { type ListingRecord, StorageNotFound } from './storage.js';

interface ListingRow {
  space: string;
  title: string;
  description: string;
  expectations: string;
  show_agreement: boolean;
  listed_by: string;
  listed_at: string;
  signature: string;
}

export class PostgresDirectory {
  constructor(private readonly db: PostgresPool) {}

  /** A listing of a space that does not exist breaks the foreign key: StorageNotFound (postgres-pool.ts). */
  async putListing(l: ListingRecord): Promise<void> {
    await this.db.query(
      `INSERT INTO listings (space, title, description, expectations, show_agreement, listed_by, listed_at, signature)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (space) DO UPDATE SET title = excluded.title, description = excluded.description,
         expectations = excluded.expectations, show_agreement = excluded.show_agreement,
         listed_by = excluded.listed_by, listed_at = excluded.listed_at, signature = excluded.signature`,
      [l.space, l.title, l.description, l.expectations, l.showAgreement, l.listedBy, l.listedAt, l.signature],
    );
  }

  async getListing(space: string): Promise<ListingRecord | undefined> {
    const [row] = await this.db.query<ListingRow>('SELECT * FROM listings WHERE space = $1', [space]);
    return row && toListing(row);
  }

  async removeListing(space: string): Promise<boolean> {
    return (await this.db.query('DELETE FROM listings WHERE space = $1 RETURNING 1', [space])).length > 0;
  }

  async listListings(): Promise<ListingRecord[]> {
    return (await this.db.query<ListingRow>('SELECT * FROM listings ORDER BY space COLLATE "C"')).map(toListing);
  }

  async setHidden(space: string, publicKey: PublicKeyText, hidden: boolean): Promise<void> {
    if (hidden) {
      await this.db.query('INSERT INTO hidden_from_hints (space, public_key) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
        space,
        publicKey,
      ]);
      return;
    }
    const [exists] = await this.db.query('SELECT 1 FROM spaces WHERE name = $1', [space]);
    if (!exists) throw new StorageNotFound(`space ${space} does not exist`);
    await this.db.query('DELETE FROM hidden_from_hints WHERE space = $1 AND public_key = $2', [space, publicKey]);
  }

  async listHidden(space: string): Promise<PublicKeyText[]> {
    const rows = await this.db.query<{ public_key: string }>(
      'SELECT public_key FROM hidden_from_hints WHERE space = $1 ORDER BY public_key COLLATE "C"',
      [space],
    );
    return rows.map((row) => row.public_key as PublicKeyText);
  }

  async memberships(publicKey: string): Promise<string[]> {
    const rows = await this.db.query<{ space: string }>(
      'SELECT space FROM members WHERE public_key = $1 ORDER BY space COLLATE "C"',
      [publicKey],
    );
    return rows.map((row) => row.space);
  }
}

function toListing(row: ListingRow): ListingRecord {
  return {
    space: row.space,
    title: row.title,
    description: row.description,
    expectations: row.expectations,
    showAgreement: row.show_agreement,
    listedBy: row.listed_by as PublicKeyText,
    listedAt: row.listed_at,
    signature: row.signature,
  };
}
