/**
 * Share, open (by picking, by link), copy link, leave, show participants. Each command also takes its
 * answers as an argument object, for links, scripts and tests.
 */
import * as vscode from 'vscode';
import { ConnectionClosedError } from '@enclave/shared';
import { type AgreementContext, passAgreement } from '@enclave/shared';
import { ensureIdentity } from '../identity/identity-commands.js';
import type { Services } from '../services.js';
import { addressFromLink, checkAddress, type DocumentAddress, describeAddress, linkFor } from '../session/address.js';
import { NotebookSession } from '../session/notebook-session.js';
import { shareEditor, syncShared, type SyncedDocument } from '../session/open-session.js';
import { readSettings } from '../config/settings.js';
import { uriFor } from '../files/document-uri.js';
import { SharedFiles } from '../files/shared-files.js';
import type { SharedSession } from '../session/shared-session.js';
import { pickDocument, pickName, pickRelay } from './pickers.js';

export interface AddressArgs {
  readonly relay?: string;
  readonly space?: string;
  readonly document?: string;
  /** share only: replace existing content without asking. */
  readonly replace?: boolean;
}

function withProgress<T>(title: string, task: (report: (message: string) => void) => Promise<T>): Thenable<T> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title }, (progress) =>
    task((message) => progress.report({ message })),
  );
}

/** Admission through the space's agreement: the person signs before any content arrives, or the open fails. */
function agreementGate(services: Services, context: AgreementContext) {
  return (connection: SharedSession['connection']) => passAgreement(connection, context, services.agreements.ask);
}

/** A changed agreement (the relay closes with 4451, the reconnect meets the new text): sign again or leave. */
function followAgreementChanges(services: Services, session: SharedSession): void {
  session.sync.on('agreement', (agreement) => {
    services.agreements
      .ask(session.address, agreement)
      .then((sign) => (sign ? session.connection.signAgreement(agreement) : services.sessions.end(session)))
      .catch(services.reportError);
  });
}

/**
 * A relay that cannot be reached or never answers ends an open in a notification with "Retry" (the shared
 * library bounds the wait); true when `error` was such a failure and is shown.
 */
function showUnreachable(services: Services, what: string, error: unknown, retry: () => Promise<unknown>): boolean {
  if (!(error instanceof ConnectionClosedError && error.unreachable)) return false;
  services.log.warn(`${what}: ${error.message}`);
  services.failures.show(what, error, retry);
  return true;
}

/**
 * Connects and syncs a shared document for its `enclave:` file, with a progress notification, the
 * space's agreement, and help when the relay is unreachable or refuses.
 */
export async function syncWithHelp(services: Services, address: DocumentAddress): Promise<SyncedDocument> {
  const identity = await ensureIdentity(services.identities);
  if (!identity) throw vscode.FileSystemError.NoPermissions('Enclave needs an identity to open shared documents');
  const started = Date.now();
  try {
    return await withProgress(`Enclave: opening ${describeAddress(address)}`, (report) =>
      syncShared(
        checkAddress(address),
        identity,
        (message) => {
          services.log.info(`open ${describeAddress(address)}: ${message} at ${Date.now() - started} ms`);
          report(message);
        },
        agreementGate(services, address),
      ),
    );
  } catch (error) {
    if (
      !showUnreachable(services, describeAddress(address), error, async () =>
        vscode.commands.executeCommand('enclave.open', address),
      )
    )
      // A refusal also says whose key and which space, with Request Access / Copy My Key; callers still get the error.
      await services.refusals.offer(error, address, identity).catch(services.reportError);
    throw error;
  }
}

/** Opens a shared document as its `enclave:` file, in a notebook or text editor by its kind. */
async function openAddress(
  services: Services,
  files: SharedFiles,
  address: DocumentAddress,
): Promise<SharedSession | undefined> {
  const uri = uriFor(address, readSettings().relays);
  let kind: 'notebook' | 'draft';
  try {
    kind = await files.prepare(address);
  } catch (error) {
    if (error instanceof ConnectionClosedError && error.unreachable) return undefined; // shown with Retry
    throw error;
  }
  const editor = await showFile(uri, kind);
  const session = await files.bind(editor);
  if (!session) throw new Error(`${describeAddress(address)} opened but could not be bound; close it and open again`);
  services.log.info(`open ${describeAddress(address)}: bound as ${uri.toString()}`);
  return session;
}

/**
 * Shows an `enclave:` file as the editor would from recent files (no extension-held reference, so closing
 * the tab closes the document and ends the session), as a notebook or text by the document's kind.
 */
async function showFile(
  uri: vscode.Uri,
  kind: 'notebook' | 'draft',
): Promise<vscode.NotebookDocument | vscode.TextDocument> {
  const find = (): vscode.NotebookDocument | vscode.TextDocument | undefined =>
    kind === 'notebook'
      ? vscode.workspace.notebookDocuments.find((nb) => nb.uri.toString() === uri.toString())
      : vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  try {
    await vscode.commands.executeCommand('vscode.openWith', uri, kind === 'notebook' ? 'jupyter-notebook' : 'default');
    const shown = find();
    if (shown) return shown;
  } catch (error) {
    // The session is live even if this VS Code cannot show the editor (e.g. a restricted web host).
    void vscode.window.showWarningMessage(
      `Enclave: the shared document is open but could not be shown: ${(error as Error).message}`,
    );
  }
  return kind === 'notebook' ? vscode.workspace.openNotebookDocument(uri) : vscode.workspace.openTextDocument(uri);
}

/** The URI the session edits: tests and scripts use it to find the editor. */
function uriOf(session: SharedSession): string {
  return session instanceof NotebookSession
    ? session.notebook.uri.toString()
    : (session as unknown as { document: vscode.TextDocument }).document.uri.toString();
}

export function registerDocumentCommands(services: Services): vscode.Disposable {
  const files = new SharedFiles(
    services,
    (address) => syncWithHelp(services, address),
    (session) => {
      followAgreementChanges(services, session);
      services.sessions.add(session);
    },
  );
  return vscode.Disposable.from(
    files,
    vscode.commands.registerCommand('enclave.share', async (args: AddressArgs = {}) => {
      const target = vscode.window.activeNotebookEditor?.notebook ?? vscode.window.activeTextEditor?.document;
      if (!target) {
        void vscode.window.showWarningMessage('Enclave: open the notebook or text file to share first.');
        return undefined;
      }
      const existing =
        'notebookType' in target ? services.sessions.forNotebook(target) : services.sessions.forDocument(target);
      if (existing) {
        void vscode.window.showInformationMessage(`Already shared as ${describeAddress(existing.address)}.`);
        return uriOf(existing);
      }
      const identity = await ensureIdentity(services.identities);
      const relay = args.relay ?? (await pickRelay());
      const space = args.space ?? (relay ? await pickName('space') : undefined);
      const fileName = target.uri.path.split('/').pop() ?? 'document';
      const document =
        args.document ?? (space ? await pickName('document', fileName.replace(/[^A-Za-z0-9._-]/g, '-')) : undefined);
      if (!identity || !relay || !space || !document) return undefined;
      const address = checkAddress({ relay, space, document });
      const confirmReplace = async (): Promise<boolean> =>
        args.replace ??
        (await vscode.window.showWarningMessage(
          `${describeAddress(address)} already has content. Replace it with yours for everyone?`,
          { modal: true },
          'Replace',
        )) === 'Replace';
      const session = await withProgress(`Enclave: sharing into ${describeAddress(address)}`, (report) =>
        shareEditor(
          target,
          address,
          identity,
          confirmReplace,
          services.reportError,
          report,
          agreementGate(services, address),
        ),
      );
      if (!session) return undefined;
      followAgreementChanges(services, session);
      services.sessions.add(session);
      return uriOf(session);
    }),
    vscode.commands.registerCommand('enclave.open', async (args: AddressArgs = {}) => {
      const identity = await ensureIdentity(services.identities);
      const relay = args.relay ?? (await pickRelay());
      const space = args.space ?? (relay ? await pickName('space') : undefined);
      const document =
        args.document ?? (identity && relay && space ? await pickDocument(relay, space, identity) : undefined);
      if (!relay || !space || !document) return undefined;
      const session = await openAddress(services, files, { relay, space, document });
      return session ? uriOf(session) : undefined;
    }),
    vscode.commands.registerCommand('enclave.openLink', async (link?: string) => {
      const text = link ?? (await vscode.window.showInputBox({ title: 'Enclave: paste a link' }));
      if (!text) return undefined;
      const uri = vscode.Uri.parse(text.trim());
      if (/^[a-z][a-z0-9+.-]*:\/\/[^?]*join\?/i.test(text.trim()))
        return vscode.commands.executeCommand('enclave.joinInvite', text.trim());
      const session = await openAddress(services, files, addressFromLink(uri.path, uri.query));
      return session ? uriOf(session) : undefined;
    }),
    vscode.commands.registerCommand('enclave.copyLink', async () => {
      const session = services.sessions.active() ?? services.sessions.all()[0];
      if (!session) {
        void vscode.window.showWarningMessage('Enclave: no shared document is active.');
        return undefined;
      }
      const link = linkFor(session.address, vscode.env.uriScheme);
      await vscode.env.clipboard.writeText(link);
      void vscode.window.showInformationMessage(`Link to ${describeAddress(session.address)} copied.`);
      return link;
    }),
    vscode.commands.registerCommand('enclave.leave', () => {
      const session = services.sessions.active();
      if (!session) return false;
      services.sessions.end(session);
      void vscode.window.showInformationMessage(
        `Left ${describeAddress(session.address)}; the editor keeps its content.`,
      );
      return true;
    }),
    vscode.commands.registerCommand('enclave.showParticipants', async () => {
      const session = services.sessions.active() ?? services.sessions.all()[0];
      if (!session) return [];
      const others = session.others();
      await vscode.window.showQuickPick(
        others.map((p) => ({ label: p.name, description: p.fingerprint })),
        {
          title: `Enclave: ${others.length + 1} in ${describeAddress(session.address)} (you and ${others.length} more)`,
        },
      );
      return others.map((p) => p.name);
    }),
    vscode.window.registerUriHandler({
      handleUri: async (uri) => {
        try {
          // Invite links are the governance commands' business; open links are handled here.
          if (uri.path === '/join') await vscode.commands.executeCommand('enclave.joinInvite', uri.toString(true));
          else await openAddress(services, files, addressFromLink(uri.path, uri.query));
        } catch (error) {
          services.reportError(error);
        }
      },
    }),
  );
}
