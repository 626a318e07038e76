/**
 * Errors the client library reports, each carrying what a UI or CLI needs to explain it.
 */
import { describeCloseCode, isReachabilityCloseCode } from '../protocol/close-codes.js';
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

/**
 * The connection closed (or could not open) before the operation completed. When the relay could not be
 * reached or went silent, the message names its URL: "cannot reach the relay at ws://...: <why>".
 */
export class ConnectionClosedError extends Error {
  override readonly name = 'ConnectionClosedError';
  constructor(
    readonly code: number,
    readonly reason: string,
    readonly relayUrl?: string,
  ) {
    const where = relayUrl && isReachabilityCloseCode(code) ? ` at ${relayUrl}` : '';
    super(`${describeCloseCode(code)}${where}${reason ? `: ${reason}` : ''}`);
  }

  /** True when the relay could not be reached or stopped answering: retrying later may help. */
  get unreachable(): boolean {
    return isReachabilityCloseCode(this.code);
  }
}

/**
 * A membership change the relay made in a sealed space that this lead's client could not sign into the
 * membership chain: until a lead signs it (`enclave keys attest`), no lead's client wraps keys for it.
 */
export class MembershipNotSigned extends Error {
  override readonly name = 'MembershipNotSigned';
}
