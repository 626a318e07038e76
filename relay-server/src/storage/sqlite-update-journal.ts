/**
 * Where document updates go first: one append-only table for all documents, written with group commit.
 *
 * Why this shape: the cost of a SQLite commit is the pages it writes to the WAL. Rows keyed or indexed by
 * document would dirty one page per document in every commit; appending in sequence order dirties only the
 * last page, so a commit costs the same for one update as for thirty (bench/README.md has the figures).
 * A document's rows are read back with a range scan starting at its snapshot's sequence number, and rows
 * leave the journal from the front once every document has folded them into a snapshot.
 */
import type Database from 'better-sqlite3';

/** A batch this large is committed at once, without waiting for the window to end. */
const MAX_BATCH = 512;
/** Rows per INSERT statement: one statement per commit is cheaper than BEGIN, n single inserts, COMMIT. */
const ROWS_PER_STATEMENT = 32;

interface PendingAppend {
  readonly document: number;
  readonly update: Uint8Array;
  resolve(seq: number): void;
  reject(error: unknown): void;
}

export interface JournalRow {
  readonly seq: number;
  readonly data: Uint8Array;
}

export class UpdateJournal {
  private pending: PendingAppend[] = [];
  private flushTimer: ReturnType<typeof setTimeout> | ReturnType<typeof setImmediate> | undefined;
  /** Sequence numbers only grow, even when the journal is emptied, so a snapshot never hides a later row. */
  private nextSeq: number;
  /** Per document: the first journal row not yet folded into its snapshot. */
  private readonly firstUnfolded = new Map<number, number>();
  /** Per document: its last journal row. */
  private readonly lastAppended = new Map<number, number>();
  /** Every row below this has been deleted. */
  private trimmedBelow: number;
  private readonly statements;
  /** INSERTs of 1..ROWS_PER_STATEMENT rows, prepared on first use. */
  private readonly inserts: Database.Statement[] = [];
  /** Batches over ROWS_PER_STATEMENT rows: several statements in one transaction, made once (making it costs). */
  private readonly appendInChunks: (batch: PendingAppend[], first: number) => void;

  constructor(
    private readonly db: Database.Database,
    private readonly commitWindowMs: number,
  ) {
    this.statements = {
      rowsAfter: db.prepare('SELECT seq, data FROM journal WHERE seq > ? AND document = ? ORDER BY seq'),
      trim: db.prepare('DELETE FROM journal WHERE seq < ?'),
    };
    const head = db
      .prepare(
        `SELECT MAX(COALESCE((SELECT MAX(seq) FROM journal), 0),
                    COALESCE((SELECT MAX(snapshot_seq) FROM documents), 0)) AS seq`,
      )
      .get() as { seq: number };
    this.nextSeq = head.seq + 1;
    // After a crash the journal may hold rows that no snapshot includes yet; they keep the front in place.
    const unfolded = db
      .prepare(
        `SELECT j.document AS document, MIN(j.seq) AS first, MAX(j.seq) AS last FROM journal j
         JOIN documents d ON d.id = j.document WHERE j.seq > d.snapshot_seq GROUP BY j.document`,
      )
      .all() as { document: number; first: number; last: number }[];
    for (const row of unfolded) {
      this.firstUnfolded.set(row.document, row.first);
      this.lastAppended.set(row.document, row.last);
    }
    this.trimmedBelow = 0;
    this.trim();
    this.appendInChunks = db.transaction((batch: PendingAppend[], first: number) => {
      for (let start = 0; start < batch.length; start += ROWS_PER_STATEMENT) {
        this.insert(batch.slice(start, start + ROWS_PER_STATEMENT), first + start);
      }
    });
  }

  /** Resolves with the update's sequence number once it is committed. */
  append(document: number, update: Uint8Array): Promise<number> {
    return new Promise((resolve, reject) => {
      this.pending.push({ document, update, resolve, reject });
      this.scheduleFlush();
    });
  }

  /** Resolves with their sequence numbers once all are committed; they go into the same commit. */
  appendAll(document: number, updates: readonly Uint8Array[]): Promise<number[]> {
    const stored = updates.map(
      (update) => new Promise<number>((resolve, reject) => this.pending.push({ document, update, resolve, reject })),
    );
    this.scheduleFlush();
    return Promise.all(stored);
  }

  private scheduleFlush(): void {
    if (this.pending.length >= MAX_BATCH) this.flush();
    else if (this.flushTimer === undefined) {
      this.flushTimer =
        this.commitWindowMs > 0
          ? setTimeout(() => this.flush(), this.commitWindowMs)
          : setImmediate(() => this.flush());
    }
  }

  /** Commits whatever is waiting, now. */
  flush(): void {
    if (this.flushTimer !== undefined) {
      clearTimeout(this.flushTimer as ReturnType<typeof setTimeout>);
      clearImmediate(this.flushTimer as ReturnType<typeof setImmediate>);
      this.flushTimer = undefined;
    }
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    const first = this.nextSeq;
    try {
      // A single statement commits atomically on its own.
      if (batch.length <= ROWS_PER_STATEMENT) this.insert(batch, first);
      else this.appendInChunks(batch, first);
    } catch (error) {
      // Rolled back as a whole (a full disk, an I/O error): none of these is stored.
      for (const p of batch) p.reject(error);
      return;
    }
    this.nextSeq = first + batch.length;
    batch.forEach((p, i) => {
      const seq = first + i;
      if (!this.firstUnfolded.has(p.document)) this.firstUnfolded.set(p.document, seq);
      this.lastAppended.set(p.document, seq);
      p.resolve(seq);
    });
  }

  private insert(rows: PendingAppend[], first: number): void {
    const statement = (this.inserts[rows.length] ??= this.db.prepare(
      `INSERT INTO journal (seq, document, data) VALUES ${Array(rows.length).fill('(?, ?, ?)').join(', ')}`,
    ));
    const values: unknown[] = [];
    rows.forEach((p, i) => values.push(first + i, p.document, p.update));
    statement.run(values);
  }

  /** The document's rows after `afterSeq` (its snapshot's), oldest first. */
  rowsAfter(document: number, afterSeq: number): JournalRow[] {
    this.flush();
    return (this.statements.rowsAfter.all(afterSeq, document) as { seq: number; data: Buffer }[]).map((r) => ({
      seq: r.seq,
      data: new Uint8Array(r.data.buffer, r.data.byteOffset, r.data.byteLength),
    }));
  }

  /** The document's snapshot now includes every row up to `throughSeq`: rows nobody needs can go. */
  folded(document: number, throughSeq: number): void {
    if ((this.lastAppended.get(document) ?? 0) <= throughSeq) this.firstUnfolded.delete(document);
    else this.firstUnfolded.set(document, Math.max(this.firstUnfolded.get(document) ?? 0, throughSeq + 1));
    this.trim();
  }

  /** Deletes the front of the journal that every snapshot already includes. */
  private trim(): void {
    let front = this.nextSeq;
    for (const seq of this.firstUnfolded.values()) front = Math.min(front, seq);
    if (front <= this.trimmedBelow) return;
    this.statements.trim.run(front);
    this.trimmedBelow = front;
  }
}
