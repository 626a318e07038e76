/**
 * "Which spaces am I in?": one `spaces.mine` request on the relay channel (path `/`), which admits any signed
 * key and answers only about that key. Both editors' browse views start from it.
 */
import type { Identity } from '../identity/keys.js';
import type { MySpaceInfo } from '../protocol/messages.js';
import { RELAY_CHANNEL } from '../protocol/rooms.js';
import { EnclaveConnection } from './enclave-connection.js';
import type { WebSocketConstructor } from './websocket-like.js';

export async function listMySpaces(options: {
  readonly relayUrl: string;
  /** The same relay service's other addresses (see connectionAddresses). */
  readonly alternateUrls?: readonly string[];
  readonly identity: Identity;
  readonly WebSocket: WebSocketConstructor;
}): Promise<readonly MySpaceInfo[]> {
  const connection = new EnclaveConnection({ ...options, room: RELAY_CHANNEL, reconnect: false }).connect();
  try {
    return (await connection.request({ op: 'spaces.mine' })).spaces;
  } finally {
    connection.destroy();
  }
}
