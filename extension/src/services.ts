/** What the commands and views share: the identity store, the open sessions and the log. */
import type * as vscode from 'vscode';
import type { IdentityStore } from './identity/identity-store.js';
import type { SessionRegistry } from './session/session-registry.js';

export interface Services {
  readonly identities: IdentityStore;
  readonly sessions: SessionRegistry;
  readonly log: vscode.LogOutputChannel;
  /** For errors that happen away from a command (sync, bindings): logged, and shown once. */
  readonly reportError: (error: unknown) => void;
}
