/**
 * What the relay does with an update whose dependencies it does not have (structs that build on, or
 * deletions of, content it never received): the part Yjs could not integrate is held for the connection
 * that sent it, never stored and never forwarded, and tried again when that connection sends more or when
 * the document gains what it waits for. A legitimate client causes this only briefly (an edit sent just
 * before the sync reply that carries what it builds on). Past a bound in bytes, frames or time the
 * connection is closed with CloseCode.MissingDependencies: the client reconnects, and its sync sends
 * everything the relay lacks in one piece.
 *
 * Held per connection rather than in the shared Y.Doc: Yjs appends its pending structs to every encoding
 * of a document, so one such update would otherwise be stored and forwarded again with every later edit.
 */
import * as Y from 'yjs';
import type { Pending } from './document-rebuild.js';

export interface HeldLimits {
  /** Bytes held for one connection. */
  readonly maxBytes: number;
  /** Frames whose leftovers were held since the connection last had nothing held. */
  readonly maxFrames: number;
  /** How long anything may stay held. */
  readonly maxMs: number;
}

export const DEFAULT_HELD_LIMITS: HeldLimits = { maxBytes: 1024 * 1024, maxFrames: 256, maxMs: 30_000 };

export class HeldUpdates {
  private parts: Uint8Array[] = [];
  private missing: ReadonlyMap<number, number> = new Map();
  private frames = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly limits: HeldLimits,
    /** Called once when a bound is passed; the owner closes the connection. */
    private readonly onExceeded: (why: string) => void,
  ) {}

  get isEmpty(): boolean {
    return this.parts.length === 0;
  }

  /** Hands back what is held, to be applied again; the caller holds whatever is still pending after. */
  take(): Uint8Array[] {
    const parts = this.parts;
    this.parts = [];
    return parts;
  }

  /** Holds the document's leftovers from a frame of this connection (nothing left clears the hold). */
  hold(pending: Pending): void {
    this.parts = pending.parts;
    this.missing = pending.missing;
    if (this.parts.length === 0) {
      this.clear();
      return;
    }
    this.frames++;
    this.timer ??= setTimeout(() => this.exceeded(`held for ${this.limits.maxMs} ms`), this.limits.maxMs);
    this.timer.unref?.();
    const bytes = this.parts.reduce((n, part) => n + part.length, 0);
    if (bytes > this.limits.maxBytes) this.exceeded(`${bytes} bytes held`);
    else if (this.frames > this.limits.maxFrames) this.exceeded(`${this.frames} frames held`);
  }

  /** Whether the document now has something the held structs wait for (Yjs's own retry rule). */
  mayResolve(doc: Y.Doc): boolean {
    for (const [client, clock] of this.missing) if (clock < Y.getState(doc.store, client)) return true;
    return false;
  }

  clear(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.parts = [];
    this.missing = new Map();
    this.frames = 0;
  }

  private exceeded(why: string): void {
    this.clear();
    this.onExceeded(why);
  }
}
