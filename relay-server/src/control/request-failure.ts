/**
 * A request the relay refuses, with the protocol's error code; anything else thrown by a handler is
 * reported to the client as 'internal' without details.
 */
import type { ErrorCode } from '@enclave/shared';

export class RequestFailure extends Error {
  override readonly name = 'RequestFailure';
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}
