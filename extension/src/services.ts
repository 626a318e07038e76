/** What the commands and views share: the identity store, the open sessions and the log. */
import type * as vscode from 'vscode';
import type { AgreementPrompts } from './governance/agreement-gate.js';
import type { ReadOnlyDocuments } from './governance/read-only-documents.js';
import type { IdentityStore } from './identity/identity-store.js';
import type { ConnectionFailures } from './ui/connection-failures.js';
import type { RefusalHelp } from './ui/error-help.js';
import type { SessionRegistry } from './session/session-registry.js';

export interface Services {
  readonly identities: IdentityStore;
  readonly sessions: SessionRegistry;
  readonly log: vscode.LogOutputChannel;
  /** For errors that happen away from a command (sync, bindings): logged, and shown once. */
  readonly reportError: (error: unknown) => void;
  /** Asks the person to sign a space's agreement before anything of it is received. */
  readonly agreements: AgreementPrompts;
  /** Read-only documents the extension shows (agreements, audit logs). */
  readonly views: ReadOnlyDocuments;
  /** "Could not reach the relay" notifications, each with a Retry button. */
  readonly failures: ConnectionFailures;
  /** "Access denied" notifications that say whose key and which space, with Request Access / Copy My Key. */
  readonly refusals: RefusalHelp;
}
