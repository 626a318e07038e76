/**
 * What a receiver checks beyond signatures: each author session numbers its updates 1, 2, 3, ... per
 * document, so a message seen twice (a replay) is ignored and a number skipped (the relay withheld or
 * reordered a message) is noticed. A snapshot carries the numbers it covers, so a member who starts from
 * a snapshot continues from there. Presence is not counted: it is not kept, and a replayed cursor is
 * harmless.
 */
import type { SealedHeader } from './envelope.js';

export type SequenceCheck = 'next' | 'replay' | 'gap';

export class SequenceGuard {
  private readonly last = new Map<string, number>();

  check(header: Pick<SealedHeader, 'author' | 'session' | 'seq'>): SequenceCheck {
    const key = `${header.author}/${header.session}`;
    const last = this.last.get(key) ?? 0;
    if (header.seq <= last) return 'replay';
    this.last.set(key, header.seq);
    return header.seq === last + 1 ? 'next' : 'gap';
  }

  /** The numbers seen so far, for a snapshot. */
  table(): [string, number, number][] {
    return [...this.last].map(([key, seq]) => {
      const cut = key.lastIndexOf('/');
      return [key.slice(0, cut), Number(key.slice(cut + 1)), seq];
    });
  }

  /** Starts from a snapshot's numbers (higher ones already seen are kept). */
  load(table: readonly (readonly [string, number, number])[]): void {
    for (const [author, session, seq] of table) {
      const key = `${author}/${session}`;
      this.last.set(key, Math.max(seq, this.last.get(key) ?? 0));
    }
  }
}
