/**
 * A document joins its channel before it reads storage (so nothing falls between the two), and messages
 * may arrive before the document exists: they wait here and are handed over once it does.
 */
import type { DocumentListener, StoredUpdate } from './fan-out.js';

type Message = (listener: DocumentListener) => void;

/** Bounded: a load takes milliseconds; past this many, one catch-up from storage replaces the rest. */
const MAX_WAITING = 10_000;

export class EarlyMessages implements DocumentListener {
  private waiting: Message[] = [];
  private overflowed = false;
  private target: DocumentListener | undefined;

  /** Hands what waited to `listener`, in order, and sends it everything from now on. */
  attach(listener: DocumentListener): void {
    const waiting = this.waiting;
    this.waiting = [];
    this.target = listener;
    for (const message of waiting) message(listener);
    if (this.overflowed) listener.missed();
  }

  stored(updates: readonly StoredUpdate[]): void {
    this.deliver((l) => l.stored(updates));
  }

  compacted(seq: number, bytes: Uint8Array): void {
    this.deliver((l) => l.compacted(seq, bytes));
  }

  presence(bytes: Uint8Array): void {
    this.deliver((l) => l.presence(bytes));
  }

  presenceWanted(): void {
    this.deliver((l) => l.presenceWanted());
  }

  missed(): void {
    this.deliver((l) => l.missed());
  }

  private deliver(message: Message): void {
    if (this.target) message(this.target);
    else if (this.waiting.length < MAX_WAITING) this.waiting.push(message);
    else this.overflowed = true;
  }
}
