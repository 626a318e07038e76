/**
 * Which of a document's stored updates (by storage seq) a loaded copy holds: every one through `through`,
 * and some above it that arrived ahead of a gap (relays store into one document concurrently, so another
 * relay's update may arrive after this relay's own later one). A copy holding every seq through N can be
 * snapshotted as covering N without reading storage first.
 */

/** Past this many seqs ahead of a gap, the gap is not going to close by itself: storage is read instead. */
const MAX_AHEAD = 10_000;

export class HeardSeqs {
  private readonly ahead = new Set<number>();

  constructor(private contiguous: number) {}

  /** Every seq up to this one is held. */
  get through(): number {
    return this.contiguous;
  }

  /** Nothing heard above a gap. */
  get complete(): boolean {
    return this.ahead.size === 0;
  }

  /** `seq` is now held (applied to the copy). */
  add(seq: number): void {
    if (seq <= this.contiguous) return;
    if (seq !== this.contiguous + 1) {
      if (this.ahead.size < MAX_AHEAD) this.ahead.add(seq);
      return;
    }
    this.contiguous = seq;
    this.advance();
  }

  /** Storage was read and applied through `seq`. */
  caughtUp(seq: number): void {
    if (seq > this.contiguous) this.contiguous = seq;
    for (const held of this.ahead) if (held <= this.contiguous) this.ahead.delete(held);
    this.advance();
  }

  private advance(): void {
    while (this.ahead.delete(this.contiguous + 1)) this.contiguous++;
  }
}
