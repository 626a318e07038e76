/**
 * Opens the authenticated channel to a room with the platform's global WebSocket (present in desktop
 * VS Code's extension host and in VS Code for the web's worker), so one bundle serves both.
 */
import type * as vscode from 'vscode';
import {
  type ChainPins,
  connectionAddresses,
  EnclaveConnection,
  type Identity,
  type RelayAddresses,
  type RoomAddress,
  MemoryChainPins,
  StoredChainPins,
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

/** The membership chains this VS Code verified (sealed spaces): until activation names where they live. */
let chainPins: ChainPins = new MemoryChainPins();

/**
 * Keeps the pins of verified membership chains in VS Code's global state, so that a chain verified once must
 * still hold after a reload or restart (a relay that later serves another root or a shorter chain is caught).
 */
export function keepChainPinsIn(state: vscode.Memento): void {
  chainPins = new StoredChainPins({
    get: (key) => state.get<string>(key),
    set: async (key, value) => {
      await state.update(key, value);
    },
  });
}

export function connect(relay: string, room: RoomAddress, identity: Identity): EnclaveConnection {
  return new EnclaveConnection({
    ...relayAddresses(relay),
    room,
    identity,
    WebSocket: globalWebSocket(),
    chainPins,
  }).connect();
}
