/**
 * Collaborators' cursors and selections in CodeMirror 6 editors (notebook cells and the file editor),
 * read from awareness, and this editor's own selection published to it. JupyterLab 4 renders no remote
 * cursors by itself (jupyter-collaboration adds them), so the plugin does, in the awareness format that
 * jupyter-collaboration uses: `cursors: [{ anchor, head, primary, empty }]` with Yjs relative positions,
 * and the `user` field (`name`/`display_name`, `color`) that the relay stamps.
 */
import { type Extension, RangeSetBuilder, Annotation } from '@codemirror/state';
import {
  Decoration,
  type DecorationSet,
  type EditorView,
  ViewPlugin,
  type ViewUpdate,
  WidgetType,
} from '@codemirror/view';
import type { Awareness } from 'y-protocols/awareness';
import type * as Y from 'yjs';
import { CURSORS_FIELD, cursorJson, readStampedUser, resolveCursors } from '@enclave/shared';

interface RemoteCursor {
  readonly from: number;
  readonly to: number;
  readonly head: number;
  readonly color: string;
  readonly name: string;
}

const refresh = Annotation.define<boolean>();
/** Which editor published the cursor a document's awareness holds now (one per person, across cells). */
const lastPublisher = new WeakMap<Awareness, object>();

class CaretWidget extends WidgetType {
  constructor(
    private readonly color: string,
    private readonly name: string,
  ) {
    super();
  }

  override eq(other: CaretWidget): boolean {
    return other.color === this.color && other.name === this.name;
  }

  toDOM(): HTMLElement {
    const caret = document.createElement('span');
    caret.className = 'enclave-remote-caret';
    caret.style.borderLeftColor = this.color;
    const label = document.createElement('span');
    label.className = 'enclave-remote-caret-label';
    label.style.backgroundColor = this.color;
    label.textContent = this.name;
    caret.appendChild(label);
    return caret;
  }

  override ignoreEvent(): boolean {
    return true;
  }
}

/** The remote cursors that fall inside `ytext`, as editor offsets. */
export function remoteCursorsIn(awareness: Awareness, ytext: Y.Text): RemoteCursor[] {
  const doc = ytext.doc;
  if (!doc) return [];
  const result: RemoteCursor[] = [];
  for (const [clientId, state] of awareness.getStates()) {
    if (clientId === awareness.clientID) continue;
    const user = readStampedUser(state);
    for (const cursor of resolveCursors(state, doc)) {
      if ((cursor.type as unknown) !== ytext) continue;
      const anchor = Math.min(cursor.anchor, ytext.length);
      const head = Math.min(cursor.head, ytext.length);
      result.push({
        from: Math.min(anchor, head),
        to: Math.max(anchor, head),
        head,
        color: user?.color ?? '#888888',
        name: user?.name ?? 'someone',
      });
    }
  }
  return result;
}

class RemoteCursorsView {
  decorations: DecorationSet;
  private scheduled = false;

  constructor(
    private readonly view: EditorView,
    private readonly ytext: Y.Text,
    private readonly awareness: Awareness,
  ) {
    this.decorations = this.build();
    awareness.on('change', this.onAwareness);
  }

  update(update: ViewUpdate): void {
    if (update.docChanged || update.transactions.some((t) => t.annotation(refresh))) this.decorations = this.build();
    if (update.selectionSet || update.focusChanged || update.docChanged) this.publish();
  }

  destroy(): void {
    this.awareness.off('change', this.onAwareness);
    // A cursor in an editor that is gone (cell deleted, notebook closed) points nowhere: withdraw it, unless
    // another editor has published one since.
    if (lastPublisher.get(this.awareness) === this) {
      lastPublisher.delete(this.awareness);
      if (this.awareness.getLocalState() !== null) this.awareness.setLocalStateField(CURSORS_FIELD, []);
    }
  }

  private readonly onAwareness = (): void => {
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => {
      this.scheduled = false;
      this.view.dispatch({ annotations: refresh.of(true) });
    });
  };

  /**
   * Publishes this editor's cursor while it has focus. Leaving the editor (Escape, a click elsewhere) keeps
   * the last cursor published, as collaborative editors do: the others still see where this person was, and
   * presence does not flicker with every change of focus. Another cell's editor replaces it when focused.
   */
  private publish(): void {
    if (this.awareness.getLocalState() === null || !this.view.hasFocus) return;
    const { anchor, head } = this.view.state.selection.main;
    this.awareness.setLocalStateField(CURSORS_FIELD, [cursorJson(this.ytext, anchor, head)]);
    lastPublisher.set(this.awareness, this);
  }

  private build(): DecorationSet {
    const length = this.view.state.doc.length;
    const ranges = remoteCursorsIn(this.awareness, this.ytext)
      .flatMap((c) => {
        const items = [];
        const from = Math.min(c.from, length);
        const to = Math.min(c.to, length);
        if (from < to) {
          items.push(
            Decoration.mark({
              attributes: { style: `background-color: ${c.color}40` },
              class: 'enclave-remote-selection',
            }).range(from, to),
          );
        }
        items.push(
          Decoration.widget({ widget: new CaretWidget(c.color, c.name), side: 1 }).range(Math.min(c.head, length)),
        );
        return items;
      })
      .sort((a, b) => a.from - b.from || a.value.startSide - b.value.startSide);
    const builder = new RangeSetBuilder<Decoration>();
    for (const r of ranges) builder.add(r.from, r.to, r.value);
    return builder.finish();
  }
}

/** The CodeMirror extension for one editor bound to `ytext`, with presence in `awareness`. */
export function remoteCursors(ytext: Y.Text, awareness: Awareness): Extension {
  return ViewPlugin.define((view) => new RemoteCursorsView(view, ytext, awareness), {
    decorations: (v) => v.decorations,
  });
}
