/**
 * The bare forwarder: the least a server can do and still fan edits out as the servers do. It
 * speaks just enough of the y-websocket protocol for the reference clients (a client's sync step 1 gets an
 * empty sync step 2 back, so it counts as synced) and forwards every other message, unparsed, to the other
 * clients of its room: framed once, one `write` per receiver, no echo, no storage, no Yjs, no auth.
 *
 * It is not a server anyone should run. It is the floor for "CPU per edit": what the kernel's loopback sends
 * and ws's receive path cost on this machine at the benchmark's load. A relay that stores and forwards each
 * edit to each receiver as it arrives cannot cost less than this, so a target below the floor's ratio to the
 * reference cannot be met by any such relay here.
 */
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { frameBinary } from '@enclave/relay/transport/websocket-frame';

/** y-websocket's sync message, sync step 1 (y-protocols: messageSync = 0, messageYjsSyncStep1 = 0). */
const SYNC = 0;
const SYNC_STEP_1 = 0;
/** messageSync, messageYjsSyncStep2, then the empty Yjs update [0, 0] as a var-length byte array. */
const EMPTY_SYNC_STEP_2 = frameBinary(Uint8Array.of(SYNC, 1, 2, 0, 0));

interface Peer {
  readonly socket: Socket;
  readonly room: Set<Peer>;
}

export interface RunningForwarder {
  readonly url: string;
  stop(): Promise<void>;
}

export async function startForwarder(): Promise<RunningForwarder> {
  const rooms = new Map<string, Set<Peer>>();
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const http: HttpServer = createServer((_req, res) => res.writeHead(404).end());
  http.on('upgrade', (request, socket: Socket, head) => {
    wss.handleUpgrade(request, socket, head, (ws) => join(ws, socket, request.url ?? '/'));
  });

  function join(ws: WebSocket, socket: Socket, path: string): void {
    let room = rooms.get(path);
    if (!room) rooms.set(path, (room = new Set()));
    const peer: Peer = { socket, room };
    room.add(peer);
    ws.on('message', (data: Buffer) => {
      if (data[0] === SYNC && data[1] === SYNC_STEP_1) {
        socket.write(EMPTY_SYNC_STEP_2);
        return;
      }
      const wire = frameBinary(data);
      for (const other of peer.room) if (other !== peer) other.socket.write(wire);
    });
    ws.on('close', () => {
      room.delete(peer);
      if (room.size === 0) rooms.delete(path);
    });
    ws.on('error', () => undefined);
  }

  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}`,
    async stop() {
      for (const client of wss.clients) client.terminate();
      wss.close();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
