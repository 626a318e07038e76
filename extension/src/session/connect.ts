/**
 * Opens the authenticated channel to a room with the platform's global WebSocket (present in desktop
 * VS Code's extension host and in VS Code for the web's worker), so one bundle serves both.
 */
import { EnclaveConnection, type Identity, type RoomAddress, type WebSocketConstructor } from '@enclave/shared';

export function globalWebSocket(): WebSocketConstructor {
  const found = (globalThis as { WebSocket?: unknown }).WebSocket;
  if (typeof found !== 'function') throw new Error('this VS Code has no WebSocket support');
  return found as WebSocketConstructor;
}

export function connect(relayUrl: string, room: RoomAddress, identity: Identity): EnclaveConnection {
  return new EnclaveConnection({ relayUrl, room, identity, WebSocket: globalWebSocket() }).connect();
}
