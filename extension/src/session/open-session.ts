/**
 * Starting a session: connect and sync the shared model, then either fill a new editor from it (open)
 * or fill it from an editor the user already has (share). Seeding rule: an editor is bound only to a
 * model it was built from, or that was just replaced with its content, so cells are never merged twice.
 */
import * as vscode from 'vscode';
import { YFile, YNotebook } from '@jupyter/ydoc';
import {
  type DocumentKind,
  DocumentSession,
  type EnclaveConnection,
  type Identity,
  MessageTag,
  readDraft,
  readNotebook,
  RequestError,
  writeDraft,
  type WelcomeMessage,
  writeNotebook,
} from '@enclave/shared';
import { notebookFromJupyter, notebookToJupyter } from '../notebook/cells.js';
import { fromNotebook, toNotebookData } from '../vscode/notebook-data.js';
import { type DocumentAddress, describeAddress } from './address.js';
import { connect } from './connect.js';
import { DraftSession } from './draft-session.js';
import { NotebookSession } from './notebook-session.js';
import type { SharedSession } from './shared-session.js';

interface Synced<M extends YNotebook | YFile> {
  readonly connection: EnclaveConnection;
  readonly sync: DocumentSession;
  readonly model: M;
}

type OnError = (error: unknown) => void;

/** Gets a fresh connection past anything that stands before content (the space's agreement). */
export type AdmissionGate = (connection: EnclaveConnection) => Promise<WelcomeMessage>;

const welcomed: AdmissionGate = (connection) => connection.whenWelcomed();

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

/** Opens a shared document in a new editor. */
export async function openShared(
  address: DocumentAddress,
  identity: Identity,
  onError: OnError,
  progress: (message: string) => void = () => undefined,
  gate: AdmissionGate = welcomed,
): Promise<SharedSession> {
  const synced = await syncDocument(address, identity, undefined, progress, gate);
  try {
    progress('opening');
    if (synced.model instanceof YNotebook) {
      const model = synced.model;
      const initial = model.cells.map((cell) => cell.ymodel);
      const data = toNotebookData(notebookFromJupyter(readNotebook(model)));
      const notebook = await vscode.workspace.openNotebookDocument('jupyter-notebook', data);
      return new NotebookSession(address, synced.connection, synced.sync, model, notebook, initial, onError);
    }
    const model = synced.model;
    const document = await vscode.workspace.openTextDocument({
      content: readDraft(model),
      language: languageFor(address.document),
    });
    return new DraftSession(address, synced.connection, synced.sync, model, document, onError);
  } catch (error) {
    synced.sync.destroy();
    synced.model.dispose();
    synced.connection.close();
    throw error;
  }
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

const LANGUAGES: Record<string, string> = {
  md: 'markdown',
  markdown: 'markdown',
  py: 'python',
  txt: 'plaintext',
  json: 'json',
  tex: 'latex',
  r: 'r',
  js: 'javascript',
  ts: 'typescript',
};

function languageFor(name: string): string {
  const extension = name.includes('.') ? name.slice(name.lastIndexOf('.') + 1).toLowerCase() : '';
  return LANGUAGES[extension] ?? 'plaintext';
}
