/**
 * Keeps one Y.Text and one editor document equal, character by character, in both directions.
 *
 * - Local edits reach the Y.Text synchronously, inside the event that reports them, so the Y.Text never
 *   lags behind the editor. When the Y.Text holds remote text the editor has not shown yet, the local
 *   offsets are mapped across that pending region.
 * - Remote text reaches the editor through one serial push at a time (the editor applies edits
 *   asynchronously); the editor's report of our own edit (the echo) is recognised and not sent back.
 */
import type * as Y from 'yjs';
import { Flusher } from './flusher.js';
import { applyChange, diffText, mapOffset, type TextChange } from './text-change.js';
import type { TextPort } from './text-port.js';

interface InFlight {
  readonly version: number;
  /** The editor text once the change is applied. */
  readonly expected: string;
  /** Editor events that arrived meanwhile: one may be our own change, told apart once the edit resolves. */
  readonly events: { readonly changes: readonly TextChange[]; readonly version: number }[];
}

/** Attempts per push before giving up on an editor that refuses every edit. */
const MAX_REFUSALS = 20;

export class TextBinding {
  private mirror: string;
  private inFlight: InFlight | undefined;
  private readonly flusher: Flusher;
  private disposed = false;
  /** When set, local edits are not shared but undone: the editor is brought back to the shared text. */
  readOnly = false;
  /** Called when a local edit was undone because the binding is read-only. */
  onRejectedEdit: (() => void) | undefined;

  constructor(
    readonly ytext: Y.Text,
    readonly port: TextPort,
    /** The transaction origin of local edits; remote is anything else. */
    private readonly origin: object,
    onError: (error: unknown) => void,
  ) {
    this.mirror = port.text;
    this.flusher = new Flusher(() => this.push(), onError);
    ytext.observe(this.onYText);
    if (this.mirror !== ytext.toString()) void this.flusher.request();
  }

  /** Resolves once the editor shows everything the Y.Text held when called (or later). */
  whenIdle(): Promise<void> {
    return this.flusher.idle();
  }

  /**
   * The editor reports changes (each applied to the result of the previous one) that brought it to
   * `versionAfter`. Called synchronously from the editor's change event.
   */
  onEditorChanges(changes: readonly TextChange[]): void {
    if (this.disposed || changes.length === 0) return;
    if (this.inFlight) {
      // Ours or the user's? Known once the edit resolves (an edit is refused if the user's came first).
      this.inFlight.events.push({ changes, version: this.port.version });
      return;
    }
    this.takeLocal(changes);
  }

  private takeLocal(changes: readonly TextChange[]): void {
    const before = this.mirror;
    if (this.readOnly) {
      this.mirror = changes.reduce(applyChange, before);
      this.onRejectedEdit?.();
      void this.flusher.request();
      return;
    }
    const doc = this.ytext.doc;
    if (!doc) throw new Error('the Y.Text is not part of a document');
    let shared = this.ytext.toString();
    let mirror = before;
    doc.transact(() => {
      for (const change of changes) {
        const pending = diffText(mirror, shared);
        const start = mapOffset(change.offset, pending);
        const end = Math.max(start, mapOffset(change.offset + change.deleteCount, pending));
        if (end > start) this.ytext.delete(start, end - start);
        if (change.insert.length > 0) this.ytext.insert(start, change.insert);
        shared = applyChange(shared, { offset: start, deleteCount: end - start, insert: change.insert });
        mirror = applyChange(mirror, change);
      }
    }, this.origin);
    this.mirror = mirror;
    if (mirror !== shared) void this.flusher.request();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.ytext.unobserve(this.onYText);
    this.flusher.dispose();
  }

  private readonly onYText = (_event: Y.YTextEvent, transaction: Y.Transaction): void => {
    if (transaction.origin !== this.origin) void this.flusher.request();
  };

  private async push(): Promise<void> {
    let refusals = 0;
    while (!this.disposed) {
      const current = this.port.text;
      const change = diffText(current, this.ytext.toString());
      if (!change) return;
      const flight: InFlight = { version: this.port.version, expected: applyChange(current, change), events: [] };
      this.inFlight = flight;
      let applied = false;
      try {
        applied = await this.port.apply(change, flight.version);
      } finally {
        this.inFlight = undefined;
      }
      let rewritten = false;
      let echoed = false;
      for (const event of flight.events) {
        if (applied && !echoed && event.version === flight.version + 1) {
          echoed = true;
          this.mirror = event.changes.reduce(applyChange, this.mirror);
          rewritten = this.mirror !== flight.expected;
        } else {
          this.takeLocal(event.changes);
        }
      }
      if (applied && !echoed) this.mirror = this.port.text; // an editor that does not report its own edits
      if (rewritten) {
        // The editor changed what it was given (VS Code makes a document's line ends uniform): pushing
        // again would never converge, and offsets would no longer match. Stop keeping this one in sync.
        this.dispose();
        throw new Error(
          'the editor rewrote a remote change (mixed line endings?); this document is no longer kept in sync',
        );
      }
      if (applied) refusals = 0;
      else if (++refusals >= MAX_REFUSALS) throw new Error('the editor refused every attempt to apply a remote change');
    }
  }
}
