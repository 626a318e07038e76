/**
 * WebSocket close codes the relay uses, shared by both ends. 4xxx mirrors the HTTP status it resembles;
 * 1001 and 1009 are the standard codes for their cases.
 */
export const CloseCode = {
  /** The relay is shutting down or restarting; reconnect with backoff. */
  GoingAway: 1001,
  /**
   * Set by the WebSocket itself, never sent: the connection could not be opened (refused, DNS failure) or
   * dropped without a close frame. Reconnect with backoff.
   */
  Abnormal: 1006,
  /**
   * The other side stayed silent past the keep-alive timeout: the relay closes a client that answers neither
   * WebSocket pings nor anything else; a client gives up on a relay that sends no challenge, no welcome or no
   * pong in time (and reports this code itself). Reconnect with backoff.
   */
  Silent: 4504,
  /** A frame could not be decoded, or a message arrived that the current state does not allow. */
  ProtocolError: 4400,
  /** No valid authentication: handshake skipped, wrong key or signature, replayed or stale challenge. */
  Unauthenticated: 4401,
  /** Authenticated, but not admitted to this room (also sent when the space does not exist). */
  Forbidden: 4403,
  /** No protocol version in common. */
  UnsupportedVersion: 4406,
  /** The handshake was not completed in time. */
  HandshakeTimeout: 4408,
  /** The identity's membership was revoked while connected. */
  AccessRevoked: 4409,
  /** A frame exceeded the relay's size limit (the standard "message too big", sent before it is buffered). */
  FrameTooLarge: 1009,
  /** The space's agreement changed: reconnect, read and sign the new version to get content again. */
  AgreementChanged: 4451,
  /** Too many messages in too short a time. */
  RateLimited: 4429,
  /** The space is sealed and the client does not speak protocol 2: it must be upgraded. */
  UpgradeRequired: 4426,
  /**
   * Updates from this connection built on content the relay does not have, and it did not arrive in time:
   * reconnect, and the sync sends everything the relay lacks.
   */
  MissingDependencies: 4412,
  /** The relay failed; the connection may be retried. */
  InternalError: 4500,
} as const;

export type CloseCodeValue = (typeof CloseCode)[keyof typeof CloseCode];

const DESCRIPTIONS: Record<number, string> = {
  [CloseCode.GoingAway]: 'the relay is restarting',
  [CloseCode.Abnormal]: 'cannot reach the relay',
  [CloseCode.Silent]: 'no answer from the relay',
  [CloseCode.ProtocolError]: 'protocol error',
  [CloseCode.Unauthenticated]: 'authentication failed',
  [CloseCode.Forbidden]: 'access denied',
  [CloseCode.UnsupportedVersion]: 'no protocol version in common with the relay',
  [CloseCode.HandshakeTimeout]: 'authentication timed out',
  [CloseCode.AccessRevoked]: 'access was revoked',
  [CloseCode.FrameTooLarge]: 'message too large',
  [CloseCode.RateLimited]: 'too many messages',
  [CloseCode.UpgradeRequired]: 'this space is sealed: upgrade Enclave to open it',
  [CloseCode.MissingDependencies]: 'updates waited too long for what they build on; syncing again',
  [CloseCode.AgreementChanged]: "the space's agreement changed",
  [CloseCode.InternalError]: 'relay error',
};

/** Codes that say the relay could not be reached or went quiet (rather than that it refused something). */
export function isReachabilityCloseCode(code: number): boolean {
  return code === CloseCode.Abnormal || code === CloseCode.Silent;
}

export function describeCloseCode(code: number): string {
  return DESCRIPTIONS[code] ?? `connection closed (${code})`;
}

/** Codes after which reconnecting cannot help until something changes (a grant, an upgrade). */
export function isFatalCloseCode(code: number): boolean {
  return (
    code === CloseCode.Unauthenticated ||
    code === CloseCode.Forbidden ||
    code === CloseCode.UnsupportedVersion ||
    code === CloseCode.UpgradeRequired ||
    code === CloseCode.AccessRevoked ||
    code === CloseCode.ProtocolError ||
    code === CloseCode.FrameTooLarge
  );
}
