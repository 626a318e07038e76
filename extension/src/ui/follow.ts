/**
 * Following one participant of a shared document: the view goes to their cursor (in a notebook, their
 * cell is selected and revealed and the place revealed in the cell's editor; in a draft, the place
 * revealed), keeps up while they move, and stops at the follower's own action: moving the cursor by
 * keyboard or mouse, selecting another cell, an edit, or leaving the document's editor.
 */
import * as vscode from 'vscode';
import { type ResolvedCursor, whereIs } from '@enclave/shared';
import type * as Y from 'yjs';
import { DraftSession } from '../session/draft-session.js';
import { NotebookSession } from '../session/notebook-session.js';
import type { SharedSession } from '../session/shared-session.js';

/** Why following stopped: the follower acted, the followed person left, or the document went away. */
export type StopReason = 'own-action' | 'left' | 'closed';

/**
 * How many notebook selections (cell indexes) are remembered as ours: those set here lately and the ones
 * they replaced. VS Code reports selection changes late and without saying who made them; a report may
 * even carry the selection from before ours. Any other cell selected is the follower's own choice.
 */
const RECENT_SELECTIONS = 8;

const BY_HAND: ReadonlySet<vscode.TextEditorSelectionChangeKind> = new Set([
  vscode.TextEditorSelectionChangeKind.Keyboard,
  vscode.TextEditorSelectionChangeKind.Mouse,
]);

export class Following implements vscode.Disposable {
  private stopped = false;
  private readonly subscriptions: vscode.Disposable[];
  /** Cell indexes selected by following (or just before), whose reports are not the follower's action. */
  private readonly selectionsSet: number[] = [];
  /** A place to reveal in a cell whose editor VS Code has not made yet. */
  private pendingReveal: { readonly document: vscode.TextDocument; readonly range: vscode.Range } | undefined;

  constructor(
    readonly session: SharedSession,
    readonly publicKey: string,
    readonly name: string,
    /** Called once, when following stops for any reason. */
    private readonly onStop: (reason: StopReason) => void,
  ) {
    const ydoc = session.model.ydoc;
    ydoc.on('afterTransaction', this.onTransaction);
    session.awareness.on('change', this.onAwareness);
    this.subscriptions = [
      { dispose: () => ydoc.off('afterTransaction', this.onTransaction) },
      { dispose: () => session.awareness.off('change', this.onAwareness) },
      // VS Code says which moves were made by keyboard or mouse; ours (and other extensions') are not.
      vscode.window.onDidChangeTextEditorSelection((event) => {
        if (event.kind !== undefined && BY_HAND.has(event.kind)) this.stop('own-action');
      }),
      vscode.window.onDidChangeNotebookEditorSelection((event) => {
        if (!(session instanceof NotebookSession) || event.notebookEditor.notebook !== session.notebook) return;
        const start = event.selections[0]?.start;
        if (start === undefined || !this.selectionsSet.includes(start)) this.stop('own-action');
      }),
      vscode.window.onDidChangeVisibleNotebookEditors(() => this.stopIfHidden()),
      vscode.window.onDidChangeVisibleTextEditors(() => {
        this.revealPending();
        this.stopIfHidden();
      }),
    ];
  }

  /** Goes to the followed person's cursor now (and shows the document if no editor shows it). */
  async start(): Promise<void> {
    if (!this.shown()) {
      if (this.session instanceof NotebookSession) await vscode.window.showNotebookDocument(this.session.notebook);
      else if (this.session instanceof DraftSession) await vscode.window.showTextDocument(this.session.document);
    }
    this.jump();
  }

  stop(reason: StopReason): void {
    if (this.stopped) return;
    this.stopped = true;
    for (const subscription of this.subscriptions) subscription.dispose();
    this.onStop(reason);
  }

  dispose(): void {
    this.stop('closed');
  }

  private readonly onTransaction = (transaction: Y.Transaction): void => {
    if (transaction.origin === this.session.localOrigin && transaction.changed.size > 0) this.stop('own-action');
  };

  private readonly onAwareness = (): void => {
    if (this.stopped) return;
    const where = whereIs(this.session.awareness, this.session.model.ydoc, this.publicKey);
    // Others' states also vanish while we are disconnected: only a live connection says they left.
    if (!where && this.session.status === 'connected') this.stop('left');
    else if (where?.cursor) this.jump(where.cursor);
  };

  private jump(cursor = whereIs(this.session.awareness, this.session.model.ydoc, this.publicKey)?.cursor): void {
    if (!cursor || this.stopped) return;
    if (this.session instanceof NotebookSession) this.jumpInNotebook(this.session, cursor);
    else if (this.session instanceof DraftSession) this.jumpInDraft(this.session, cursor);
  }

  private jumpInNotebook(session: NotebookSession, cursor: ResolvedCursor): void {
    const ycell = cursor.type.parent;
    const cell = ycell ? session.binding.editorCellOf(ycell as Y.Map<unknown>) : undefined;
    const editor = vscode.window.visibleNotebookEditors.find((e) => e.notebook === session.notebook);
    if (!cell || !editor) return;
    const range = new vscode.NotebookRange(cell.index, cell.index + 1);
    if (editor.selection.start !== cell.index || editor.selection.end !== cell.index + 1) {
      this.selectionsSet.push(editor.selection.start, cell.index);
      this.selectionsSet.splice(0, this.selectionsSet.length - RECENT_SELECTIONS);
      editor.selections = [range];
    }
    editor.revealRange(range, vscode.NotebookEditorRevealType.InCenterIfOutsideViewport);
    this.pendingReveal = { document: cell.document, range: rangeOf(cell.document, cursor) };
    this.revealPending();
  }

  private jumpInDraft(session: DraftSession, cursor: ResolvedCursor): void {
    if ((cursor.type as unknown) !== session.model.ysource) return;
    this.pendingReveal = { document: session.document, range: rangeOf(session.document, cursor) };
    this.revealPending();
  }

  /** Reveals the followed place once an editor shows its document (a cell's editor appears when it is drawn). */
  private revealPending(): void {
    const pending = this.pendingReveal;
    const editor = pending && vscode.window.visibleTextEditors.find((e) => e.document === pending.document);
    if (!pending || !editor || this.stopped) return;
    this.pendingReveal = undefined;
    editor.revealRange(pending.range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  /** Whether an editor of the followed document is still visible. */
  private shown(): boolean {
    const session = this.session;
    if (session instanceof NotebookSession)
      return vscode.window.visibleNotebookEditors.some((e) => e.notebook === session.notebook);
    return vscode.window.visibleTextEditors.some((e) => session.ownsTextDocument(e.document));
  }

  private stopIfHidden(): void {
    if (!this.stopped && !this.shown()) this.stop('own-action');
  }
}

function rangeOf(document: vscode.TextDocument, cursor: ResolvedCursor): vscode.Range {
  const length = document.getText().length;
  const at = (offset: number): vscode.Position => document.positionAt(Math.min(offset, length));
  return new vscode.Range(at(cursor.anchor), at(cursor.head));
}
