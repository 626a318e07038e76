/** Tells a viewer, at most once every few seconds, why their edit was undone. */
import * as vscode from 'vscode';

export function readOnlyNotice(what: string): () => void {
  let last = 0;
  return () => {
    const now = Date.now();
    if (now - last < 5000) return;
    last = now;
    void vscode.window.showWarningMessage(`${what} is shared with you as a viewer: your edit was undone and not sent.`);
  };
}
