/**
 * Read-only text the extension shows (an agreement to read, an audit log): documents of the
 * `enclave-view` scheme, served from memory by a content provider, so VS Code offers no way to edit them.
 */
import * as vscode from 'vscode';

export const VIEW_SCHEME = 'enclave-view';

export class ReadOnlyDocuments implements vscode.Disposable {
  private readonly texts = new Map<string, string>();
  private readonly registration: vscode.Disposable;
  private counter = 0;

  constructor() {
    this.registration = vscode.workspace.registerTextDocumentContentProvider(VIEW_SCHEME, {
      provideTextDocumentContent: (uri) => this.texts.get(uri.toString()) ?? '',
    });
  }

  /** Stores `text` under a fresh URI ending in `name` and opens it (shown in an editor when possible). */
  async open(name: string, text: string, show = true): Promise<vscode.TextDocument> {
    this.counter += 1;
    const uri = vscode.Uri.from({ scheme: VIEW_SCHEME, path: `/${this.counter}/${name}` });
    this.texts.set(uri.toString(), text);
    const document = await vscode.workspace.openTextDocument(uri);
    if (show) {
      try {
        await vscode.window.showTextDocument(document, { preview: true });
      } catch {
        // Shown only where the host allows; the document itself exists either way.
      }
    }
    return document;
  }

  dispose(): void {
    this.registration.dispose();
    this.texts.clear();
  }
}
