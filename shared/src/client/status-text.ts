/**
 * The words every Enclave client uses for a connection that is trying to come back, so the CLI, VS Code and
 * JupyterLab say the same thing: "reconnecting to ws://host:port in 8 s (attempt 4)".
 */
import type { EnclaveConnection } from './enclave-connection.js';
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
