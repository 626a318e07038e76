/**
 * The open shared sessions, and the one place VS Code's document events are routed to them. Closing a
 * shared editor ends its session.
 */
import * as vscode from 'vscode';
import { DraftSession } from './draft-session.js';
import { NotebookSession } from './notebook-session.js';
import type { SharedSession } from './shared-session.js';

export class SessionRegistry implements vscode.Disposable {
  private readonly sessions = new Set<SharedSession>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly subscriptions: vscode.Disposable[];

  constructor() {
    this.subscriptions = [
      vscode.workspace.onDidChangeNotebookDocument((event) => {
        for (const session of this.sessions) {
          if (session instanceof NotebookSession && session.notebook === event.notebook)
            session.onNotebookChanged(event);
        }
      }),
      vscode.workspace.onDidChangeTextDocument((event) => {
        for (const session of this.sessions)
          if (session.ownsTextDocument(event.document)) session.onTextDocumentChanged(event);
      }),
      vscode.workspace.onDidCloseNotebookDocument((notebook) => {
        for (const session of this.sessions)
          if (session instanceof NotebookSession && session.notebook === notebook) this.end(session);
      }),
      vscode.workspace.onDidCloseTextDocument((document) => {
        for (const session of this.sessions)
          if (session instanceof DraftSession && session.document === document) this.end(session);
      }),
    ];
  }

  add(session: SharedSession): void {
    this.sessions.add(session);
    session.onDidChange(() => this.changed.fire());
    this.changed.fire();
  }

  all(): SharedSession[] {
    return [...this.sessions];
  }

  /** The session of the active editor (a draft, a notebook, or a notebook cell), if any. */
  active(): SharedSession | undefined {
    const notebook = vscode.window.activeNotebookEditor?.notebook;
    const document = vscode.window.activeTextEditor?.document;
    for (const session of this.sessions) {
      if (session instanceof NotebookSession && session.notebook === notebook) return session;
      if (document && session.ownsTextDocument(document)) return session;
    }
    return undefined;
  }

  forNotebook(notebook: vscode.NotebookDocument): NotebookSession | undefined {
    return this.all().find((s): s is NotebookSession => s instanceof NotebookSession && s.notebook === notebook);
  }

  forDocument(document: vscode.TextDocument): SharedSession | undefined {
    return this.all().find((s) => s.ownsTextDocument(document));
  }

  end(session: SharedSession): void {
    if (!this.sessions.delete(session)) return;
    session.dispose();
    this.changed.fire();
  }

  dispose(): void {
    for (const session of this.sessions) session.dispose();
    this.sessions.clear();
    for (const subscription of this.subscriptions) subscription.dispose();
    this.changed.dispose();
  }
}
