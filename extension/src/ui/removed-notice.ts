/**
 * When the relay removes the person from an open shared document (a lead revoked them, or a reconnect was
 * refused), one warning names the document, says it is no longer shared and that the editor holds a stale
 * copy, and offers to save that copy locally. Kept while shown, so the test suite can see it.
 */
import * as vscode from 'vscode';
import { statusSummary } from '@enclave/shared';
import { describeAddress } from '../session/address.js';
import type { SessionRegistry } from '../session/session-registry.js';
import type { SharedSession } from '../session/shared-session.js';

export const SAVE_LOCAL_COPY = 'Save a Local Copy As…';

export interface ShownRemoval {
  readonly message: string;
  readonly actions: readonly string[];
}

export class RemovedNotices implements vscode.Disposable {
  private readonly noticed = new WeakSet<SharedSession>();
  private readonly shown = new Set<ShownRemoval>();
  private readonly subscription: vscode.Disposable;

  constructor(sessions: SessionRegistry) {
    this.subscription = sessions.onDidChange(() => {
      for (const session of sessions.all()) if (session.removed && !this.noticed.has(session)) this.show(session);
    });
  }

  /** Removal warnings still shown. */
  pending(): readonly ShownRemoval[] {
    return [...this.shown];
  }

  private show(session: SharedSession): void {
    this.noticed.add(session);
    // Shared's wording for why (revoked, or the relay's reason), so every editor says the same.
    const why = statusSummary(session.connection, session.role).detail;
    const entry: ShownRemoval = {
      message:
        `Enclave: ${describeAddress(session.address)} is no longer shared. ${why} ` +
        'What is on screen is a stale copy: edits are not sent and others’ edits no longer arrive.',
      actions: [SAVE_LOCAL_COPY],
    };
    this.shown.add(entry);
    void vscode.window.showWarningMessage(entry.message, ...entry.actions).then((choice) => {
      this.shown.delete(entry);
      if (choice !== SAVE_LOCAL_COPY) return undefined;
      return vscode.commands.executeCommand('enclave.saveLocalCopy', { document: session.editorUri.toString() });
    });
  }

  dispose(): void {
    this.subscription.dispose();
  }
}
