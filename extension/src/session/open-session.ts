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
  type EnclaveConnection,
  type Identity,
  MessageTag,
  openDocument,
  type OpenedDocument,
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

/** A document connected and in sync, not yet bound to an editor. */
export type SyncedDocument = OpenedDocument<YNotebook | YFile>;

type OnError = (error: unknown) => void;

/** Gets a fresh connection past anything that stands before content (the space's agreement). */
export type AdmissionGate = (connection: EnclaveConnection) => Promise<WelcomeMessage>;

const welcomed: AdmissionGate = (connection) => connection.whenWelcomed();

/** How long an invitee waits for a lead's client to share a sealed space's key before giving up. */
const KEY_WAIT_MS = 10 * 60_000;

/**
 * Opens the document by space and real name through shared's openDocument (the space channel first; a
 * sealed space's name resolved to its opaque id) and syncs a model of its kind.
 */
async function syncDocument(
  address: DocumentAddress,
  identity: Identity,
  create: DocumentKind | undefined,
  progress: (message: string) => void,
  gate: AdmissionGate,
): Promise<OpenedDocument<YNotebook | YFile>> {
  const opened = await openDocument<YNotebook | YFile>({
    space: address.space,
    name: address.document,
    identity,
    connect: (room) => connect(address.relay, room, identity),
    admit: gate,
    ...(create ? { create } : {}),
    model: (kind) => (kind === 'notebook' ? new YNotebook() : new YFile()),
    keyWaitMs: KEY_WAIT_MS,
    onWaitingForKey: (message) => progress(message),
    progress,
  }).catch((error: unknown) => {
    if (error instanceof RequestError && error.code === 'not-found') {
      throw new RequestError('not-found', `there is no document ${describeAddress(address)}`);
    }
    throw error;
  });
  try {
    await opened.session.whenSynced();
    // The relay's presence frame that followed the welcome came before this session listened: ask again.
    if (!opened.sealed) opened.connection.send(Uint8Array.of(MessageTag.QueryAwareness));
    return opened;
  } catch (error) {
    opened.close();
    opened.model.dispose();
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
  const model = synced.model;
  if ('notebookType' in editor) {
    if (!(model instanceof YNotebook)) throw new Error(`${describeAddress(address)} is a draft, not a notebook`);
    return new NotebookSession(address, synced, model, editor, initial, onError);
  }
  if (!(model instanceof YFile)) throw new Error(`${describeAddress(address)} is a notebook: open it as a notebook`);
  return new DraftSession(address, synced, model, editor, onError);
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
    synced.close();
    synced.model.dispose();
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
      return new NotebookSession(address, synced, model, notebook, initial, onError);
    }
    if (!isNotebook && model instanceof YFile) {
      const document = target as vscode.TextDocument;
      writeDraft(model, document.getText());
      return new DraftSession(address, synced, model, document, onError);
    }
    throw new Error('the shared document has another kind than the editor');
  } catch (error) {
    abandon();
    throw error;
  }
}
