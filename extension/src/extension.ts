/** Entry point: wires the services, commands and views; every resource is disposed with the extension. */
import * as vscode from 'vscode';
import { registerAccessCommands } from './commands/access-commands.js';
import { registerDocumentCommands } from './commands/document-commands.js';
import { AgreementPrompts } from './governance/agreement-gate.js';
import type { WatchedSpace } from './governance/request-watcher.js';
import { ReadOnlyDocuments } from './governance/read-only-documents.js';
import { registerGovernance } from './governance/register.js';
import { registerIdentityCommands } from './identity/identity-commands.js';
import { IdentityStore } from './identity/identity-store.js';
import type { Services } from './services.js';
import { SessionRegistry } from './session/session-registry.js';
import { ParticipantsView } from './ui/participants-view.js';
import { type DrawnCursor, PresenceView } from './ui/presence-view.js';
import { StatusBar } from './ui/status-bar.js';
import { FollowCommands } from './ui/follow-commands.js';
import { RunningCellStatus } from './ui/running-cell-status.js';
import { RemovedNotices, type ShownRemoval } from './ui/removed-notice.js';
import { registerUndoCommands } from './undo/undo-commands.js';
import { registerLocalCopyCommand } from './files/local-copy.js';
import { registerBrowse } from './browse/browse-commands.js';
import type { BrowseNode } from './browse/spaces-view.js';
import { registerDirectory } from './browse/directory-commands.js';
import type { DirectoryNode } from './browse/directory-view.js';
import { trackSharedEditorContext } from './ui/shared-editor-context.js';
import { ConnectionFailures, type ShownFailure } from './ui/connection-failures.js';
import { keepChainPinsIn } from './session/connect.js';
import { RefusalHelp, type ShownHelp } from './ui/error-help.js';
import type { AccessRequestInfo, AgreementInfo } from '@enclave/shared';

/** What other extensions (and the test suite) get from `activate`. */
export interface EnclaveApi {
  readonly sessions: SessionRegistry;
  statusText(): string;
  /** Remote cursors currently drawn in visible editors. */
  cursors(): readonly DrawnCursor[];
  /** Whom this window follows now (Enclave: Follow Participant). */
  following(): { readonly name: string; readonly publicKey: string } | undefined;
  /** The latest message about following ("Stopped following NAME"). */
  followMessage(): string | undefined;
  /** The status bar items Enclave gives a notebook cell ("▶ NAME running"). */
  cellStatus(cell: vscode.NotebookCell): readonly string[];
  /** Access requests leads see live in the watched spaces. */
  accessRequests(): readonly (AccessRequestInfo & WatchedSpace)[];
  /** Agreements shown and waiting for the person's answer. */
  pendingAgreements(): readonly { readonly agreement: AgreementInfo; readonly uri: string }[];
  /** "Could not reach the relay" notifications still shown, each with its Retry. */
  connectionFailures(): readonly ShownFailure[];
  /** "Access denied" notifications still shown, each with Request Access and Copy My Key. */
  refusals(): readonly ShownHelp[];
  /** "No longer shared" warnings still shown, one per removed document. */
  removals(): readonly ShownRemoval[];
  /** The Enclave Spaces view's tree (relays, spaces, documents, members, requests, invites). */
  readonly spaces: vscode.TreeDataProvider<BrowseNode>;
  /** The Enclave Directory view's tree (relays, their listings checked, each listing's details). */
  readonly directory: vscode.TreeDataProvider<DirectoryNode>;
}

export function activate(context: vscode.ExtensionContext): EnclaveApi {
  keepChainPinsIn(context.globalState);
  const log = vscode.window.createOutputChannel('Enclave', { log: true });
  const identities = new IdentityStore(context.secrets);
  const sessions = new SessionRegistry();
  const views = new ReadOnlyDocuments();
  const agreements = new AgreementPrompts(views);
  const reportError = (error: unknown): void => {
    log.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    void vscode.window.showErrorMessage(`Enclave: ${error instanceof Error ? error.message : String(error)}`);
  };
  const failures = new ConnectionFailures(reportError);
  const refusals = new RefusalHelp(reportError);
  const services: Services = { views, agreements, identities, sessions, log, reportError, failures, refusals };
  const statusBar = new StatusBar(sessions);
  const removals = new RemovedNotices(sessions);
  const presence = new PresenceView(sessions);
  const follow = new FollowCommands(sessions);
  const running = new RunningCellStatus(sessions);
  const governance = registerGovernance(services);
  const browse = registerBrowse(services, context.globalState);
  const directory = registerDirectory(services);
  context.subscriptions.push(
    views,
    agreements,
    log,
    identities,
    sessions,
    statusBar,
    removals,
    presence,
    follow,
    running,
    new ParticipantsView(sessions),
    registerIdentityCommands(identities),
    registerDocumentCommands(services),
    registerAccessCommands(services),
    registerUndoCommands(sessions),
    trackSharedEditorContext(sessions),
    registerLocalCopyCommand(services),
    browse,
    directory,
    governance.disposable,
  );
  return {
    sessions,
    statusText: () => statusBar.text,
    cursors: () => presence.cursors(),
    following: () => follow.following(),
    followMessage: () => follow.lastMessage(),
    cellStatus: (cell) => running.provideCellStatusBarItems(cell).map((item) => item.text),
    accessRequests: () => governance.leads.pending(),
    pendingAgreements: () => agreements.waiting(),
    connectionFailures: () => failures.pending(),
    refusals: () => refusals.pending(),
    removals: () => removals.pending(),
    spaces: browse.view,
    directory: directory.view,
  };
}

export function deactivate(): void {
  // Everything is in context.subscriptions.
}
