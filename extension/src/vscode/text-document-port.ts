/** A VS Code TextDocument (a draft, or a notebook cell's document) as a binding's TextPort. */
import * as vscode from 'vscode';
import type { TextChange } from '../binding/text-change.js';
import type { TextPort } from '../binding/text-port.js';

export class TextDocumentPort implements TextPort {
  constructor(readonly document: vscode.TextDocument) {}

  get text(): string {
    return this.document.getText();
  }

  get version(): number {
    return this.document.version;
  }

  async apply(change: TextChange, version: number): Promise<boolean> {
    const document = this.document;
    if (document.isClosed || document.version !== version) return false;
    const range = new vscode.Range(
      document.positionAt(change.offset),
      document.positionAt(change.offset + change.deleteCount),
    );
    const edit = new vscode.WorkspaceEdit();
    edit.replace(document.uri, range, change.insert);
    return vscode.workspace.applyEdit(edit);
  }
}

/** VS Code's content changes as binding text changes (VS Code applies them one after the other). */
export function textChangesOf(event: vscode.TextDocumentChangeEvent): TextChange[] {
  return event.contentChanges.map((change) => ({
    offset: change.rangeOffset,
    deleteCount: change.rangeLength,
    insert: change.text,
  }));
}
