/**
 * Enclave's wire protocol version, independent of package versions. The relay offers the versions it
 * speaks in its challenge; the client picks one and signs it, so a downgrade cannot be forced in transit.
 * Version 1: y-websocket sync and awareness after an Ed25519 challenge handshake; JSON control messages.
 */
export const PROTOCOL_VERSION = 2;
export const SUPPORTED_PROTOCOL_VERSIONS: readonly number[] = [1, 2];

/** The highest version both sides speak, or undefined when there is none. */
export function negotiateVersion(
  offered: readonly number[],
  supported = SUPPORTED_PROTOCOL_VERSIONS,
): number | undefined {
  const common = offered.filter((v) => supported.includes(v));
  return common.length > 0 ? Math.max(...common) : undefined;
}
