/**
 * Following a participant in a shared notebook: the view jumps to the cell and place of their cursor, keeps
 * up while they move, and stops at the follower's own first action (a key, a click, the scroll wheel).
 * The cursor is read from awareness (`cursors`, Yjs relative positions), where the relay stamped who it is.
 */
import { whereIs } from '@enclave/shared';
import type { NotebookPanel } from '@jupyterlab/notebook';
import type { IDisposable } from '@lumino/disposable';
import type { Awareness } from 'y-protocols/awareness';
import type * as Y from 'yjs';

const OWN_ACTIONS = ['keydown', 'mousedown', 'wheel'] as const;

export class NotebookFollow implements IDisposable {
  private disposed = false;

  constructor(
    private readonly panel: NotebookPanel,
    private readonly awareness: Awareness,
    /** The notebook's Y.Doc, against which cursors' relative positions resolve. */
    private readonly doc: Y.Doc,
    readonly publicKey: string,
    /** Called once when following stops for any reason (own action, the widget closed, dispose). */
    private readonly onStop: () => void,
  ) {
    awareness.on('change', this.jump);
    // Capture phase: the follower's action stops following before JupyterLab handles it.
    for (const type of OWN_ACTIONS) panel.node.addEventListener(type, this.stopOnOwnAction, true);
    panel.disposed.connect(this.dispose, this);
    this.jump();
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.awareness.off('change', this.jump);
    for (const type of OWN_ACTIONS) this.panel.node.removeEventListener(type, this.stopOnOwnAction, true);
    this.panel.disposed.disconnect(this.dispose, this);
    this.onStop();
  }

  private readonly stopOnOwnAction = (event: Event): void => {
    if (event.isTrusted) this.dispose();
  };

  /** Moves the view to the followed person's cursor: its cell made active, scrolled to, the place revealed. */
  private readonly jump = (): void => {
    if (this.disposed) return;
    const notebook = this.panel.content;
    const shared = notebook.model?.sharedModel;
    if (!shared) return;
    const cursor = whereIs(this.awareness, this.doc, this.publicKey)?.cursor;
    if (!cursor) return;
    const index = shared.cells.findIndex((cell) => (cell as unknown as { ysource: unknown }).ysource === cursor.type);
    const cell = notebook.widgets[index];
    if (!cell) return;
    if (notebook.activeCellIndex !== index) notebook.activeCellIndex = index;
    void notebook.scrollToCell(cell).then(() => {
      const editor = cell.editor;
      if (editor && !this.disposed) editor.revealPosition(editor.getPositionAt(cursor.head) ?? { line: 0, column: 0 });
    });
  };
}
