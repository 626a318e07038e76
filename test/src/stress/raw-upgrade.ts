/**
 * A WebSocket at the byte level, below `ws`: the HTTP upgrade by hand, then raw frame bytes. Used where a
 * client library cannot misbehave enough, e.g. a frame header announcing more bytes than the relay accepts
 * (the relay must close with 1009 on the header, before buffering anything).
 */
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import type { Socket } from 'node:net';

export interface RawOutcome {
  /** Payloads of the data frames the relay sent (binary or text), in order. */
  readonly frames: Uint8Array[];
  /** The code of the relay's close frame; 1006 when the TCP connection ended without one. */
  readonly closeCode: number;
}

/** Upgrades `url` (ws://host:port/path), writes `bytes` once the relay's first frame arrived, reads until closed. */
export function rawWebSocket(url: string, bytes: (socket: Socket) => void, timeoutMs: number): Promise<RawOutcome> {
  const target = new URL(url.replace(/^ws/, 'http'));
  return new Promise((resolve) => {
    const frames: Uint8Array[] = [];
    let closeCode = 1006;
    let buffered = Buffer.alloc(0);
    let wrote = false;
    let settled = false;
    let socket: Socket | undefined;
    const finish = (): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket?.destroy();
      resolve({ frames, closeCode });
    };
    const timer = setTimeout(finish, timeoutMs);
    const req = request({
      host: target.hostname,
      port: target.port,
      path: target.pathname,
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': randomBytes(16).toString('base64'),
      },
    });
    req.on('error', finish);
    req.on('response', finish); // no upgrade: refused at the HTTP level
    req.on('upgrade', (_res, upgraded, head) => {
      socket = upgraded;
      const onData = (chunk: Buffer): void => {
        buffered = Buffer.concat([buffered, chunk]);
        for (let frame = nextFrame(buffered); frame; frame = nextFrame(buffered)) {
          buffered = buffered.subarray(frame.size);
          if (frame.opcode === 8) {
            closeCode = frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : 1005;
            return finish();
          }
          if (frame.opcode === 1 || frame.opcode === 2) frames.push(new Uint8Array(frame.payload));
          if (!wrote) {
            wrote = true;
            bytes(upgraded);
          }
        }
      };
      upgraded.on('data', onData);
      upgraded.on('error', () => undefined);
      upgraded.on('close', finish);
      if (head.length > 0) onData(head);
    });
    req.end();
  });
}

/** One unmasked frame from the relay, if `data` holds a whole one. */
function nextFrame(data: Buffer): { opcode: number; payload: Buffer; size: number } | undefined {
  if (data.length < 2) return undefined;
  const opcode = data[0]! & 0x0f;
  let length = data[1]! & 0x7f;
  let offset = 2;
  if (length === 126) {
    if (data.length < 4) return undefined;
    length = data.readUInt16BE(2);
    offset = 4;
  } else if (length === 127) {
    if (data.length < 10) return undefined;
    length = Number(data.readBigUInt64BE(2));
    offset = 10;
  }
  if (data.length < offset + length) return undefined;
  return { opcode, payload: data.subarray(offset, offset + length), size: offset + length };
}

/** A masked binary frame header announcing `length` payload bytes (64-bit length form), and no payload. */
export function oversizedFrameHeader(length: number): Buffer {
  const header = Buffer.alloc(14);
  header[0] = 0x82; // FIN, binary
  header[1] = 0x80 | 127; // masked, 64-bit length follows
  header.writeBigUInt64BE(BigInt(length), 2);
  randomBytes(4).copy(header, 10);
  return header;
}
