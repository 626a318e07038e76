/**
 * The CLI's exit codes (a contract: scripts and acceptance checks rely on them) and the error that carries
 * one. Errors from the protocol are mapped here, once.
 */
import { CloseCode, ConnectionClosedError, RequestError } from '@enclave/shared';

export const ExitCode = {
  Done: 0,
  Failed: 1,
  Usage: 2,
  AccessDenied: 3,
  NotFound: 4,
} as const;

export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number = ExitCode.Failed,
  ) {
    super(message);
  }
}

export const usageError = (message: string): CliError => new CliError(message, ExitCode.Usage);

/** Turns any error into a one-line message and an exit code; unexpected errors keep their message only. */
export function toCliError(error: unknown, relayUrl?: string): CliError {
  if (error instanceof CliError) return error;
  if (error instanceof RequestError) {
    const code =
      error.code === 'forbidden' || error.code === 'read-only' || error.code === 'agreement-required'
        ? ExitCode.AccessDenied
        : error.code === 'not-found'
          ? ExitCode.NotFound
          : error.code === 'bad-request'
            ? ExitCode.Usage
            : ExitCode.Failed;
    return new CliError(error.message, code);
  }
  if (error instanceof ConnectionClosedError) {
    switch (error.code) {
      case CloseCode.Forbidden:
      case CloseCode.AccessRevoked:
        // Invite refusals say why (expired, used, revoked); other refusals say nothing about the space.
        return new CliError(
          /^invite /.test(error.reason) ? error.reason : 'access denied: this identity is not a member of that space',
          ExitCode.AccessDenied,
        );
      case CloseCode.Unauthenticated:
        return new CliError(
          `authentication failed: ${error.reason || 'the relay refused this key'}`,
          ExitCode.AccessDenied,
        );
      case CloseCode.Abnormal:
      case CloseCode.Silent: {
        // The message names the relay's URL and what failed (refused, DNS, no answer in time).
        const named = error.relayUrl ? error : new ConnectionClosedError(error.code, error.reason, relayUrl);
        return new CliError(`${named.message} (is the URL right and the relay running?)`);
      }
      default:
        return new CliError(error.message);
    }
  }
  return new CliError(error instanceof Error ? error.message : String(error));
}
