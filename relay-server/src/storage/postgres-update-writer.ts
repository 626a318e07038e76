/**
 * Group commit for PostgreSQL. Sent one statement each, every stored update would cost a round trip, a
 * parse and plan, and a commit, and a relay's documents would queue for the pool's connections. The writer
 * instead gathers every append that arrives while its statement is in flight (or within the current tick)
 * and stores them all with one statement, committed once; each caller resolves only after that commit, with
 * its sequence numbers. One statement at a time: a batch that starts after another has committed, so a
 * document's updates are numbered in the order they were appended, whichever batch carries them.
 */
import type { PostgresPool } from './postgres-pool.js';
import { StorageNotFound } from './storage.js';

/** Rows per statement at most: a burst beyond it goes in the next statement. */
const MAX_ROWS = 1000;

interface PendingAppend {
  readonly space: string;
  readonly document: string;
  readonly updates: readonly Uint8Array[];
  resolve(seqs: number[]): void;
  reject(error: unknown): void;
}

/**
 * One statement for any number of documents: each document's row is locked in id order (so that two relays
 * storing into the same documents never deadlock), its last_seq moved on by its count, and its updates
 * numbered from there in the order given. A document that does not exist returns no rows.
 */
const APPEND_UPDATES = `
WITH input AS (
  SELECT t.space, t.name, t.data, t.ord
  FROM unnest($1::text[], $2::text[], $3::bytea[]) WITH ORDINALITY AS t(space, name, data, ord)
), wanted AS (
  SELECT space, name, count(*) AS n FROM input GROUP BY space, name
), locked AS (
  SELECT d.id, w.n FROM documents d JOIN wanted w ON d.space = w.space AND d.name = w.name
  ORDER BY d.id FOR UPDATE OF d
), bumped AS (
  UPDATE documents d SET last_seq = d.last_seq + l.n FROM locked l WHERE d.id = l.id
  RETURNING d.id, d.space, d.name, d.last_seq - l.n AS base
), numbered AS (
  SELECT b.id, i.ord, i.data, b.base + row_number() OVER (PARTITION BY b.id ORDER BY i.ord) AS seq
  FROM input i JOIN bumped b ON b.space = i.space AND b.name = i.name
), stored AS (
  INSERT INTO updates (document, seq, data) SELECT id, seq, data FROM numbered
)
SELECT ord, seq FROM numbered`;

export class PostgresUpdateWriter {
  private waiting: PendingAppend[] = [];
  private writing = false;
  private scheduled = false;

  constructor(private readonly db: PostgresPool) {}

  /** Resolves with the updates' sequence numbers once all of them are committed; none is stored otherwise. */
  append(space: string, document: string, updates: readonly Uint8Array[]): Promise<number[]> {
    if (updates.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.waiting.push({ space, document, updates, resolve, reject });
      this.schedule();
    });
  }

  /** On the next turn of the event loop, so that appends made in this one share the statement. */
  private schedule(): void {
    if (this.writing || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.write();
    });
  }

  private async write(): Promise<void> {
    if (this.writing || this.waiting.length === 0) return;
    this.writing = true;
    const batch = this.take();
    try {
      const seqs = await this.store(batch);
      let ord = 0;
      for (const append of batch) {
        const mine = append.updates.map(() => seqs.get(++ord));
        if (mine.every((seq) => seq !== undefined)) append.resolve(mine as number[]);
        else append.reject(new StorageNotFound(`document ${append.space}/${append.document} does not exist`));
      }
    } catch (error) {
      // One statement: it committed as a whole or not at all, so none of the batch is stored.
      for (const append of batch) append.reject(error);
    } finally {
      this.writing = false;
      if (this.waiting.length > 0) this.schedule();
    }
  }

  /** Whole appends (each is stored all or none), up to MAX_ROWS rows unless the first alone is larger. */
  private take(): PendingAppend[] {
    let rows = 0;
    let count = 0;
    while (count < this.waiting.length) {
      const size = this.waiting[count]!.updates.length;
      if (count > 0 && rows + size > MAX_ROWS) break;
      rows += size;
      count++;
    }
    return this.waiting.splice(0, count);
  }

  /** Stores the batch; resolves with each row's sequence number by its position (1-based) in the batch. */
  private async store(batch: readonly PendingAppend[]): Promise<Map<number, number>> {
    const spaces: string[] = [];
    const names: string[] = [];
    const data: Buffer[] = [];
    for (const append of batch) {
      for (const update of append.updates) {
        spaces.push(append.space);
        names.push(append.document);
        data.push(Buffer.from(update.buffer, update.byteOffset, update.byteLength));
      }
    }
    const rows = await this.db.statement<{ ord: number; seq: number }>('enclave_append_updates', APPEND_UPDATES, [
      spaces,
      names,
      data,
    ]);
    return new Map(rows.map((r) => [Number(r.ord), Number(r.seq)]));
  }
}
