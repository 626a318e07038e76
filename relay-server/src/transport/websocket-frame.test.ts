import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { type FramedMessages, frameBinary, framedTogether } from './websocket-frame.js';

/** A payload of `length` bytes whose content tells where it came from. */
function payload(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 31 + seed) & 0xff;
  return bytes;
}

describe('framed WebSocket messages', () => {
  let server: WebSocketServer;

  afterEach(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('reach a ws client intact at every length form, in order with frames ws sends itself', async () => {
    // 7-bit, 16-bit and 64-bit lengths, each at its edges.
    const lengths = [0, 1, 125, 126, 127, 0xffff, 0x10000, 70_000];
    const expected: Uint8Array[] = [];
    server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
    server.on('connection', (ws, request) => {
      const socket = request.socket;
      lengths.forEach((length, i) => {
        const bytes = payload(length, i);
        // Every other one through ws, to check the raw writes keep their place among ws's.
        if (i % 2 === 0) socket.write(frameBinary(bytes));
        else ws.send(bytes);
      });
      const together: FramedMessages[] = [frameBinary(payload(3, 100)), frameBinary(payload(200, 101))];
      socket.write(framedTogether(together));
    });
    lengths.forEach((length, i) => expected.push(payload(length, i)));
    expected.push(payload(3, 100), payload(200, 101));
    await new Promise<void>((resolve) => server.on('listening', resolve));

    const { port } = server.address() as AddressInfo;
    const client = new WebSocket(`ws://127.0.0.1:${port}/`);
    const received: Uint8Array[] = [];
    let closedEarly = false;
    client.on('message', (data, isBinary) => {
      assert.ok(isBinary, 'a binary message');
      received.push(new Uint8Array(data as Buffer));
    });
    client.on('close', () => (closedEarly = true));
    const deadline = Date.now() + 10_000;
    while (received.length < expected.length && !closedEarly && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    client.close();
    assert.equal(closedEarly, false, 'the client did not close the connection on a malformed frame');
    assert.equal(received.length, expected.length);
    received.forEach((bytes, i) => assert.deepEqual(bytes, expected[i], `message ${i}`));
  });
});
