/**
 * An `enclave:` editor that others edit stays saved. VS Code marks a document dirty for every edit,
 * including the remote ones the binding shows, although Save here only confirms that the relay has this
 * person's edits. So once a remote change is shown and none of this person's own edits is unsaved, the
 * editor is saved through the file system: a flush that sends nothing, so peers never set off each other's
 * saves. Own edits (typing, own-edit undo, a kernel change) keep the editor dirty until the person, or
 * VS Code's auto save, saves it, as with any file.
 */
import * as vscode from 'vscode';
import type * as Y from 'yjs';
import { Flusher } from '../binding/flusher.js';
import type { SharedSession } from '../session/shared-session.js';

type Editor = vscode.NotebookDocument | vscode.TextDocument;

export function keepSavedAfterRemoteEdits(
  session: SharedSession,
  editor: Editor,
  onError: (error: unknown) => void,
): vscode.Disposable & { idle(): Promise<void> } {
  // An editor restored dirty (a backup after a window reload) holds edits the person has not saved.
  let ownUnsaved = editor.isDirty;
  // Own edits counted, and the count when the latest save began: a save covers only the edits before it.
  let ownEdits = 0;
  let ownEditsAtSave = 0;
  const saver = new Flusher(async () => {
    await session.whenIdle();
    // A save requested just before the session ended must not run after it: there is no relay to confirm it.
    if (session.ended || ownUnsaved || !editor.isDirty || editor.isClosed) return;
    // Offline a save would wait for the relay and could fail with a message the person never asked for.
    if (session.removed || session.status !== 'connected') return;
    await editor.save();
  }, onError);
  const ydoc = session.model.ydoc;
  const onTransaction = (transaction: Y.Transaction): void => {
    if (transaction.changed.size === 0) return;
    // Remote updates are applied with `local` false; everything else (binding, undo) is this person's.
    if (transaction.local) {
      ownUnsaved = true;
      ownEdits++;
    } else void saver.request();
  };
  ydoc.on('afterTransaction', onTransaction);
  const onWillSave = (saving: Editor): void => {
    if (saving === editor) ownEditsAtSave = ownEdits;
  };
  const onSaved = (saved: Editor): void => {
    // A save that began before the person's next edit leaves that edit unsaved. Not `editor.isDirty`:
    // VS Code reports every saved document as not dirty, even when an edit made during the save keeps it so.
    if (saved === editor && ownEdits === ownEditsAtSave) ownUnsaved = false;
  };
  const subscriptions = [
    vscode.workspace.onWillSaveNotebookDocument((event) => onWillSave(event.notebook)),
    vscode.workspace.onWillSaveTextDocument((event) => onWillSave(event.document)),
    vscode.workspace.onDidSaveNotebookDocument(onSaved),
    vscode.workspace.onDidSaveTextDocument(onSaved),
  ];
  return {
    /** Resolves once no save set off by a peer's edit is pending or under way. */
    idle: () => saver.idle(),
    dispose: () => {
      ydoc.off('afterTransaction', onTransaction);
      saver.dispose();
      for (const subscription of subscriptions) subscription.dispose();
    },
  };
}
