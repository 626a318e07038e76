/**
 * Starting a session: connect and sync the shared model, then either fill a new editor from it (open)
 * or fill it from an editor the user already has (share). Seeding rule: an editor is bound only to a
 * model it was built from, or that was just replaced with its content, so cells are never merged twice.
 */
import type * as vscode from 'vscode';
import { YFile, YNotebook } from '@jupyter/ydoc';
import type * as Y from 'yjs';
import {
  type DocumentKind,
  DocumentSession,
  type EnclaveConnection,
  type Identity,
  MessageTag,
  RequestError,
  writeDraft,
  type WelcomeMessage,
  writeNotebook,
} from '@enclave/shared';
import { notebookToJupyter } from '../notebook/cells.js';
import { fromNotebook } from '../vscode/notebook-data.js';
import { type DocumentAddress, describeAddress } from './address.js';
import { connect } from './connect.js';
import { DraftSession } from './draft-session.js';
import { NotebookSession } from './notebook-session.js';
import type { SharedSession } from './shared-session.js';

export interface Synced<M extends YNotebook | YFile> {
  readonly connection: EnclaveConnection;
  readonly sync: DocumentSession;
  readonly model: M;
}

type OnError = (error: unknown) => void;

/** Gets a fresh connection past anything that stands before content (the space's agreement). */
export type AdmissionGate = (connection: EnclaveConnection) => Promise<WelcomeMessage>;

const welcomed: AdmissionGate = (connection) => connection.whenWelcomed();

export type SyncedDocument = Synced<YNotebook> | Synced<YFile>;

/** Connects, learns the document's kind from the welcome, and syncs a model of that kind. */
async function syncDocument(
  address: DocumentAddress,
  identity: Identity,
  create: DocumentKind | undefined,
  progress: (message: string) => void,
  gate: AdmissionGate,
): Promise<Synced<YNotebook> | Synced<YFile>> {
  const connection = connect(address.relay, { space: address.space, document: address.document }, identity);
  try {
    progress('connecting');
    const welcome = await gate(connection);
    const kind = welcome.document?.kind ?? create;
    if (!kind) throw new RequestError('not-found', `there is no document ${describeAddress(address)}`);
    if (create && welcome.document && welcome.document.kind !== create) {
      throw new Error(`${describeAddress(address)} is a ${welcome.document.kind}, not a ${create}`);
    }
    const model = kind === 'notebook' ? new YNotebook() : new YFile();
    const sync = new DocumentSession({
      connection,
      doc: model.ydoc,
      awareness: model.awareness,
      ...(create ? { create } : {}),
    });
    const size = welcome.document?.size;
    progress(size ? `receiving ${(size / 1e6).toFixed(1)} MB` : 'receiving');
    try {
      await sync.whenSynced();
      // The relay's presence frame that followed the welcome came before this session listened: ask again.
      connection.send(Uint8Array.of(MessageTag.QueryAwareness));
    } catch (error) {
      sync.destroy();
      model.dispose();
      throw error;
    }
    return { connection, sync, model } as Synced<YNotebook> | Synced<YFile>;
  } catch (error) {
    connection.close();
    throw error;
  }
}

/** Connects to an existing shared document and syncs its model (nothing is shown yet). */
export function syncShared(
  address: DocumentAddress,
  identity: Identity,
  progress: (message: string) => void = () => undefined,
  gate: AdmissionGate = welcomed,
): Promise<SyncedDocument> {
  return syncDocument(address, identity, undefined, progress, gate);
}

/**
 * Binds an editor VS Code built from the synced model's content (the `enclave:` file) to it. For a
 * notebook, `initial` is the shared cell each editor cell was filled from (the seeding rule).
 */
export function bindSynced(
  address: DocumentAddress,
  synced: SyncedDocument,
  editor: vscode.NotebookDocument | vscode.TextDocument,
  initial: readonly Y.Map<unknown>[],
  onError: OnError,
): SharedSession {
  const { connection, sync, model } = synced;
  if ('notebookType' in editor) {
    if (!(model instanceof YNotebook)) throw new Error(`${describeAddress(address)} is a draft, not a notebook`);
    return new NotebookSession(address, connection, sync, model, editor, initial, onError);
  }
  if (!(model instanceof YFile)) throw new Error(`${describeAddress(address)} is a notebook: open it as a notebook`);
  return new DraftSession(address, connection, sync, model, editor, onError);
}

/**
 * Shares an open notebook or text document into `address`. If the shared document already has content,
 * `confirmReplace` decides whether the local content replaces it (nothing is merged).
 */
export async function shareEditor(
  target: vscode.NotebookDocument | vscode.TextDocument,
  address: DocumentAddress,
  identity: Identity,
  confirmReplace: () => Promise<boolean>,
  onError: OnError,
  progress: (message: string) => void = () => undefined,
  gate: AdmissionGate = welcomed,
): Promise<SharedSession | undefined> {
  const isNotebook = 'notebookType' in target;
  const synced = await syncDocument(address, identity, isNotebook ? 'notebook' : 'draft', progress, gate);
  const abandon = (): void => {
    synced.sync.destroy();
    synced.model.dispose();
    synced.connection.close();
  };
  try {
    const model = synced.model;
    const hasContent = model instanceof YNotebook ? model.cells.length > 0 : model.source.length > 0;
    if (hasContent && !(await confirmReplace())) {
      abandon();
      return undefined;
    }
    if (isNotebook && model instanceof YNotebook) {
      const notebook = target as vscode.NotebookDocument;
      writeNotebook(model, notebookToJupyter(fromNotebook(notebook)));
      const initial = model.cells.map((cell) => cell.ymodel);
      return new NotebookSession(address, synced.connection, synced.sync, model, notebook, initial, onError);
    }
    if (!isNotebook && model instanceof YFile) {
      const document = target as vscode.TextDocument;
      writeDraft(model, document.getText());
      return new DraftSession(address, synced.connection, synced.sync, model, document, onError);
    }
    throw new Error('the shared document has another kind than the editor');
  } catch (error) {
    abandon();
    throw error;
  }
}
