/**
 * The words every Enclave client uses for a connection that is trying to come back, so the CLI, VS Code and
 * JupyterLab say the same thing: "reconnecting to ws://host:port in 8 s (attempt 4)".
 */
import type { EnclaveConnection } from './enclave-connection.js';
import { CloseCode } from '../protocol/close-codes.js';
import { ConnectionClosedError } from './errors.js';

/** While the connection waits to reconnect: where, in how long, which attempt; otherwise undefined. */
export function reconnectText(connection: EnclaveConnection, now: number = Date.now()): string | undefined {
  const next = connection.nextAttempt;
  if (!next) return undefined;
  const inSeconds = Math.max(0, Math.ceil((next.at - now) / 1000));
  return `reconnecting to ${connection.relayUrl} in ${inSeconds} s (attempt ${next.attempt})`;
}

/** Why the last attempt ended, in a sentence that names the relay when it was not reached. */
export function lastCloseText(connection: EnclaveConnection): string | undefined {
  const info = connection.lastClose;
  return info ? new ConnectionClosedError(info.code, info.reason, info.relayUrl).message : undefined;
}

/** How a connection's state reads at a glance: `ok` live, `working` on its way, `offline` retrying, `stopped` for good. */
export type StatusTone = 'ok' | 'working' | 'offline' | 'stopped';

export interface StatusSummary {
  readonly tone: StatusTone;
  /** A few words for a toolbar or status bar: "Connected · editor", "Reconnecting in 8 s (attempt 4)". */
  readonly label: string;
  /** A sentence for a tooltip: where, and why it stopped. */
  readonly detail: string;
}

/** The one reading of a document connection's state that every editor shows (with its own icons). */
export function statusSummary(
  connection: EnclaveConnection,
  role: string | null,
  now: number = Date.now(),
): StatusSummary {
  // The address in use: a cluster's client may have moved to another address of the same service.
  const where = `${connection.room} on ${connection.relayUrl}`;
  const why = lastCloseText(connection) ?? 'closed';
  switch (connection.status) {
    case 'connected':
      return { tone: 'ok', label: `Connected · ${role ?? 'admin'}`, detail: `Live: ${where}` };
    case 'waiting':
      return { tone: 'working', label: 'Waiting for a lead', detail: `Access requested: ${where}` };
    case 'disconnected': {
      const next = connection.nextAttempt;
      const inSeconds = next ? Math.max(0, Math.ceil((next.at - now) / 1000)) : 0;
      return {
        tone: 'offline',
        label: next ? `Offline · reconnecting in ${inSeconds} s (attempt ${next.attempt})` : 'Offline · reconnecting',
        detail: `${why}. Edits are kept here and sent when the relay is back.`,
      };
    }
    case 'denied':
      return connection.lastClose?.code === CloseCode.AccessRevoked
        ? {
            tone: 'stopped',
            label: 'Removed · access revoked',
            detail: `A lead removed you from ${where}: not shared any more.`,
          }
        : { tone: 'stopped', label: 'Access denied', detail: `${why}: ${where}` };
    case 'closed':
      return { tone: 'stopped', label: 'Offline · not shared', detail: `${why}: ${where}` };
    default:
      return { tone: 'working', label: 'Connecting…', detail: `Connecting to ${where}` };
  }
}
