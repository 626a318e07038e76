/** A status bar item: the active shared document's connection state and how many people are in it. */
import * as vscode from 'vscode';
import { lastCloseText, reconnectText, statusSummary } from '@enclave/shared';
import type { SessionRegistry } from '../session/session-registry.js';
import type { SharedSession } from '../session/shared-session.js';

const ICONS: Record<string, string> = {
  connected: '$(broadcast)',
  connecting: '$(sync~spin)',
  authenticating: '$(sync~spin)',
  disconnected: '$(debug-disconnect)',
  denied: '$(error)',
  closed: '$(circle-slash)',
  idle: '$(circle-outline)',
};

export function describeStatus(session: SharedSession): string {
  const status = session.status;
  const people = session.others().length + 1;
  const role = session.role === 'viewer' ? ' · view only' : '';
  const sealed = session.sealed ? ' · sealed' : '';
  if (status === 'connected') return `${people} ${people === 1 ? 'person' : 'people'}${role}${sealed}`;
  // "offline: reconnecting to ws://… in 8 s (attempt 4)": the backoff is visible, edits are kept meanwhile.
  if (status === 'disconnected') return `offline: ${reconnectText(session.connection) ?? 'reconnecting'}`;
  // Removed or refused: shared's label ("Removed · access revoked", "Access denied"), said alike everywhere.
  if (status === 'denied' || status === 'closed') return statusSummary(session.connection, session.role).label;
  return status;
}

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('enclave.status', vscode.StatusBarAlignment.Left, 100);
  private readonly subscriptions: vscode.Disposable[];
  /** Counts the reconnect delay down while the shown session is offline. */
  private ticker: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly sessions: SessionRegistry) {
    this.item.name = 'Enclave';
    this.item.command = 'enclave.showParticipants';
    this.subscriptions = [
      sessions.onDidChange(() => this.update()),
      vscode.window.onDidChangeActiveTextEditor(() => this.update()),
      vscode.window.onDidChangeActiveNotebookEditor(() => this.update()),
    ];
    this.update();
  }

  /** The text shown, for tests. */
  get text(): string {
    return this.item.text;
  }

  private update(): void {
    const session = this.sessions.active() ?? this.sessions.all()[0];
    const offline = session?.status === 'disconnected';
    if (offline && !this.ticker) this.ticker = setInterval(() => this.update(), 1_000);
    if (!offline && this.ticker) {
      clearInterval(this.ticker);
      this.ticker = undefined;
    }
    if (!session) {
      this.item.hide();
      return;
    }
    this.item.text = `${ICONS[session.status] ?? ''} Enclave: ${describeStatus(session)}`;
    const sealed = session.sealed ? '\nSealed space: the relay stores and forwards only ciphertext.' : '';
    // The address in use: on a relay service with several, the session may have moved from the link's.
    const where = `${session.address.space}/${session.address.document} on ${session.connection.relayUrl}${sealed}`;
    const why = lastCloseText(session.connection);
    const stopped = session.status === 'denied' || session.status === 'closed';
    this.item.tooltip = stopped
      ? `${where}\n${statusSummary(session.connection, session.role).detail}`
      : offline && why
        ? `${where}\n${why}\nYour edits are kept and merge when the relay is back.`
        : where;
    this.item.show();
  }

  dispose(): void {
    clearInterval(this.ticker);
    for (const subscription of this.subscriptions) subscription.dispose();
    this.item.dispose();
  }
}
