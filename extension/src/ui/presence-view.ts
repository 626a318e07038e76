/**
 * Presence: publishes the local cursor into the document's awareness and draws everyone else's cursor and
 * selection, with their name and colour, in drafts and in notebook cells.
 */
import * as vscode from 'vscode';
import { CURSORS_FIELD, cursorJson, type ResolvedCursor } from '@enclave/shared';
import type * as Y from 'yjs';
import { NotebookSession } from '../session/notebook-session.js';
import type { Presence } from '../session/participants.js';
import type { SessionRegistry } from '../session/session-registry.js';
import type { SharedSession } from '../session/shared-session.js';

/** A remote cursor as drawn, for the participants view and tests. */
export interface DrawnCursor {
  readonly name: string;
  readonly color: string;
  readonly document: string;
  readonly anchor: number;
  readonly head: number;
  /** Where the name is drawn: the end of the cursor's line, clear of the code. */
  readonly label: number;
}

/** Per participant: the cursor or selection itself, and their name at the end of the cursor's line. */
interface Decorations {
  readonly cursor: vscode.TextEditorDecorationType;
  readonly label: vscode.TextEditorDecorationType;
}

export class PresenceView implements vscode.Disposable {
  private readonly decorations = new Map<string, Decorations>();
  private drawn: DrawnCursor[] = [];
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly sessions: SessionRegistry) {
    this.subscriptions = [
      vscode.window.onDidChangeTextEditorSelection((event) => this.publish(event.textEditor)),
      vscode.window.onDidChangeVisibleTextEditors(() => this.render()),
      sessions.onDidChange(() => this.render()),
    ];
  }

  private publish(editor: vscode.TextEditor): void {
    const session = this.sessions.forDocument(editor.document);
    if (!session) return;
    const document = editor.document;
    const text = sharedTextOf(session, document);
    if (!text) return;
    const selection = editor.selection;
    const cursor = cursorJson(text, document.offsetAt(selection.anchor), document.offsetAt(selection.active));
    session.awareness.setLocalStateField(CURSORS_FIELD, [cursor]);
  }

  private render(): void {
    const wanted = new Map<vscode.TextEditor, Map<string, { presence: Presence; range: vscode.Range }>>();
    for (const session of this.sessions.all()) {
      for (const presence of session.others()) {
        const cursor = presence.cursors[0];
        if (!cursor) continue;
        const editor = vscode.window.visibleTextEditors.find((e) => this.shows(session, e.document, cursor));
        if (!editor) continue;
        const document = editor.document;
        const clamp = (offset: number): vscode.Position =>
          document.positionAt(Math.min(offset, document.getText().length));
        const range = new vscode.Range(clamp(cursor.anchor), clamp(cursor.head));
        const perEditor = wanted.get(editor) ?? new Map();
        perEditor.set(presence.color + presence.name, { presence, range });
        wanted.set(editor, perEditor);
      }
    }
    this.drawn = [...wanted].flatMap(([editor, perEditor]) =>
      [...perEditor.values()].map(({ presence, range }) => ({
        name: presence.name,
        color: presence.color,
        document: editor.document.uri.toString(),
        anchor: editor.document.offsetAt(range.start),
        head: editor.document.offsetAt(range.end),
        label: editor.document.offsetAt(labelRange(editor.document, range).start),
      })),
    );
    for (const editor of vscode.window.visibleTextEditors) {
      const perEditor = wanted.get(editor) ?? new Map<string, { presence: Presence; range: vscode.Range }>();
      for (const [key, { presence }] of perEditor) {
        if (!this.decorations.has(key)) this.decorations.set(key, decorationsFor(presence));
      }
      for (const [key, types] of this.decorations) {
        const entry = perEditor.get(key);
        editor.setDecorations(types.cursor, entry ? [{ range: entry.range, hoverMessage: entry.presence.name }] : []);
        editor.setDecorations(types.label, entry ? [labelRange(editor.document, entry.range)] : []);
      }
    }
  }

  /** The remote cursors currently drawn. */
  cursors(): readonly DrawnCursor[] {
    return this.drawn;
  }

  private shows(session: SharedSession, document: vscode.TextDocument, cursor: ResolvedCursor): boolean {
    return session.ownsTextDocument(document) && (sharedTextOf(session, document) as unknown) === cursor.type;
  }

  dispose(): void {
    for (const subscription of this.subscriptions) subscription.dispose();
    for (const types of this.decorations.values()) {
      types.cursor.dispose();
      types.label.dispose();
    }
    this.decorations.clear();
  }
}

/** The shared Y.Text behind an editor: a draft's text, or the source of the notebook cell at that index. */
function sharedTextOf(session: SharedSession, document: vscode.TextDocument): Y.Text | undefined {
  if (session instanceof NotebookSession) {
    const cell = session.cellOf(document);
    return cell && cell.index < session.model.cells.length ? session.model.getCell(cell.index).ysource : undefined;
  }
  const model = (session as { model?: { ysource?: Y.Text } }).model;
  return model?.ysource;
}

/**
 * The name is drawn after the end of the cursor's line, not at the cursor: text inserted at the cursor ran
 * into the code ("Adaimport os"). The cursor itself carries the name as a hover.
 */
function decorationsFor(presence: Presence): Decorations {
  return {
    cursor: vscode.window.createTextEditorDecorationType({
      backgroundColor: `${presence.color}33`,
      borderColor: presence.color,
      borderStyle: 'solid',
      borderWidth: '0 0 0 2px',
    }),
    label: vscode.window.createTextEditorDecorationType({
      after: { contentText: presence.name, color: presence.color, fontStyle: 'italic', margin: '0 0 0 2em' },
    }),
  };
}

/** An empty range at the end of the line the cursor (the selection's end) is on. */
function labelRange(document: vscode.TextDocument, cursor: vscode.Range): vscode.Range {
  const end = document.lineAt(cursor.end.line).range.end;
  return new vscode.Range(end, end);
}
