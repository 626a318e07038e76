/**
 * Enclave's wire protocol version, independent of package versions. The relay offers the versions it
 * speaks in its challenge; the client picks one and signs it, so a downgrade cannot be forced in transit.
 * Version 1: y-websocket sync and awareness after an Ed25519 challenge handshake; JSON control messages.
 * Version 2: sealed spaces (sealed-frames.ts). Version 3: in sealed rooms the relay acknowledges a sender's
 * appends with Stored (coalesced) instead of echoing each one back as an Entry.
 */
export const PROTOCOL_VERSION = 3;
export const SUPPORTED_PROTOCOL_VERSIONS: readonly number[] = [1, 2, 3];

/** The highest version both sides speak, or undefined when there is none. */
export function negotiateVersion(
  offered: readonly number[],
  supported = SUPPORTED_PROTOCOL_VERSIONS,
): number | undefined {
  const common = offered.filter((v) => supported.includes(v));
  return common.length > 0 ? Math.max(...common) : undefined;
}
