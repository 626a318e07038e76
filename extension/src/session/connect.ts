/**
 * Opens the authenticated channel to a room with the platform's global WebSocket (present in desktop
 * VS Code's extension host and in VS Code for the web's worker), so one bundle serves both.
 */
import {
  connectionAddresses,
  EnclaveConnection,
  type Identity,
  type RelayAddresses,
  type RoomAddress,
  type WebSocketConstructor,
} from '@enclave/shared';
import { readSettings } from '../config/settings.js';

export function globalWebSocket(): WebSocketConstructor {
  const found = (globalThis as { WebSocket?: unknown }).WebSocket;
  if (typeof found !== 'function') throw new Error('this VS Code has no WebSocket support');
  return found as WebSocketConstructor;
}

/**
 * The addresses to connect to for a relay URL (an enclave: URI, a link or a picker carry one): every address
 * of the configured relay service it belongs to (and `known`, a link's), so a connection whose relay dies
 * moves to another of them.
 */
export function relayAddresses(relay: string, known: readonly string[] = []): RelayAddresses {
  return connectionAddresses(readSettings().relays, relay, known);
}

export function connect(relay: string, room: RoomAddress, identity: Identity): EnclaveConnection {
  return new EnclaveConnection({ ...relayAddresses(relay), room, identity, WebSocket: globalWebSocket() }).connect();
}
