/**
 * The relay's directory in SQLite (tables `listings` and `hidden_from_hints`, sqlite-schema.ts): listings
 * exactly as their leads signed them, and the members who chose not to be shown in visitors' hints.
 */
import type Database from 'better-sqlite3';
import type { PublicKeyText } from '@enclave/shared';
import { type ListingRecord, StorageNotFound } from './storage.js';

interface ListingRow {
  space: string;
  title: string;
  description: string;
  expectations: string;
  show_agreement: number;
  listed_by: string;
  listed_at: string;
  signature: string;
}

export class SqliteDirectory {
  private readonly statements;

  constructor(db: Database.Database) {
    this.statements = {
      spaceExists: db.prepare('SELECT 1 FROM spaces WHERE name = ?'),
      putListing: db.prepare(
        `INSERT INTO listings (space, title, description, expectations, show_agreement, listed_by, listed_at, signature)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (space) DO UPDATE SET title = excluded.title, description = excluded.description,
         expectations = excluded.expectations, show_agreement = excluded.show_agreement,
         listed_by = excluded.listed_by, listed_at = excluded.listed_at, signature = excluded.signature`,
      ),
      getListing: db.prepare('SELECT * FROM listings WHERE space = ?'),
      removeListing: db.prepare('DELETE FROM listings WHERE space = ?'),
      listListings: db.prepare('SELECT * FROM listings ORDER BY space'),
      hide: db.prepare('INSERT OR IGNORE INTO hidden_from_hints (space, public_key) VALUES (?, ?)'),
      show: db.prepare('DELETE FROM hidden_from_hints WHERE space = ? AND public_key = ?'),
      listHidden: db.prepare('SELECT public_key FROM hidden_from_hints WHERE space = ? ORDER BY public_key').pluck(),
      memberships: db.prepare('SELECT space FROM members WHERE public_key = ? ORDER BY space').pluck(),
    };
  }

  putListing(l: ListingRecord): void {
    if (!this.statements.spaceExists.get(l.space)) throw new StorageNotFound(`space ${l.space} does not exist`);
    this.statements.putListing.run(
      l.space,
      l.title,
      l.description,
      l.expectations,
      l.showAgreement ? 1 : 0,
      l.listedBy,
      l.listedAt,
      l.signature,
    );
  }

  getListing(space: string): ListingRecord | undefined {
    const row = this.statements.getListing.get(space) as ListingRow | undefined;
    return row && toListing(row);
  }

  removeListing(space: string): boolean {
    return this.statements.removeListing.run(space).changes > 0;
  }

  listListings(): ListingRecord[] {
    return (this.statements.listListings.all() as ListingRow[]).map(toListing);
  }

  setHidden(space: string, publicKey: PublicKeyText, hidden: boolean): void {
    if (!this.statements.spaceExists.get(space)) throw new StorageNotFound(`space ${space} does not exist`);
    (hidden ? this.statements.hide : this.statements.show).run(space, publicKey);
  }

  listHidden(space: string): PublicKeyText[] {
    return this.statements.listHidden.all(space) as PublicKeyText[];
  }

  memberships(publicKey: string): string[] {
    return this.statements.memberships.all(publicKey) as string[];
  }
}

function toListing(row: ListingRow): ListingRecord {
  return {
    space: row.space,
    title: row.title,
    description: row.description,
    expectations: row.expectations,
    showAgreement: row.show_agreement === 1,
    listedBy: row.listed_by as PublicKeyText,
    listedAt: row.listed_at,
    signature: row.signature,
  };
}
