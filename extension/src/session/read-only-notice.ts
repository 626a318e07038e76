/** Tells a viewer, or a member who was removed, at most once every few seconds, why their edit was undone. */
import * as vscode from 'vscode';

export function readOnlyNotice(what: string, removed: () => boolean): () => void {
  let last = 0;
  return () => {
    const now = Date.now();
    if (now - last < 5000) return;
    last = now;
    void vscode.window.showWarningMessage(
      removed()
        ? `${what} is no longer shared with you: your edit was undone and not sent.`
        : `${what} is shared with you as a viewer: your edit was undone and not sent.`,
    );
  };
}
