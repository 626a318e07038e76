/**
 * Errors the client library reports, each carrying what a UI or CLI needs to explain it.
 */
import { describeCloseCode } from '../protocol/close-codes.js';
import type { ErrorCode } from '../protocol/messages.js';

/** The relay refused a request. */
export class RequestError extends Error {
  override readonly name = 'RequestError';
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The connection closed (or could not open) before the operation completed. */
export class ConnectionClosedError extends Error {
  override readonly name = 'ConnectionClosedError';
  constructor(
    readonly code: number,
    readonly reason: string,
  ) {
    super(reason ? `${describeCloseCode(code)}: ${reason}` : describeCloseCode(code));
  }
}
