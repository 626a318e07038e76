/**
 * A binary WebSocket message framed once, as the relay sends it (RFC 6455 section 5.2: FIN, opcode 2, no
 * mask from a server). A frame that goes to many peers is built once, and each peer's socket gets one
 * write of ready bytes: through ws, every send frames the payload again and writes header and payload as a
 * corked two-part write, which showed as a large share of the sealed relay's CPU per edit.
 *
 * Safe beside ws's own writes because the relay's ws server never queues a frame: permessage-deflate is
 * off and the relay sends no Blob, so ws writes each frame to the socket at once, in call order.
 */

/** Bytes of one or more complete WebSocket messages, ready to be written to a socket as they are. */
export type FramedMessages = Buffer & { readonly framed: unique symbol };

/** Frames `payload` as one binary message. */
export function frameBinary(payload: Uint8Array): FramedMessages {
  const length = payload.byteLength;
  const header = length < 126 ? 2 : length < 0x10000 ? 4 : 10;
  const wire = Buffer.allocUnsafe(header + length);
  wire[0] = 0x82;
  if (length < 126) {
    wire[1] = length;
  } else if (length < 0x10000) {
    wire[1] = 126;
    wire.writeUInt16BE(length, 2);
  } else {
    wire[1] = 127;
    wire.writeUInt32BE(Math.floor(length / 0x1_0000_0000), 2);
    wire.writeUInt32BE(length >>> 0, 6);
  }
  wire.set(payload, header);
  return wire as FramedMessages;
}

/** Several framed messages as one buffer, in order: one write, one system call. */
export function framedTogether(parts: readonly FramedMessages[]): FramedMessages {
  return Buffer.concat(parts) as FramedMessages;
}
