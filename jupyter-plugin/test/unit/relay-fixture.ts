/**
 * A real relay (in-memory storage, port 0) with one space and members in each role, for the unit tests
 * of the plugin's classes. Nothing here stands in for a component: it is the relay and the client library.
 */
import { createRelay, type Relay, silentLogger, type Storage } from '@enclave/relay';
import {
  EnclaveConnection,
  generateIdentity,
  type Identity,
  type Role,
  type WebSocketConstructor,
} from '@enclave/shared';
import WebSocket from 'ws';

export const NodeWebSocket = WebSocket as unknown as WebSocketConstructor;

export interface RelayFixture {
  readonly relay: Relay;
  readonly url: string;
  readonly space: string;
  readonly lead: Identity;
  readonly editor: Identity;
  readonly viewer: Identity;
  readonly stranger: Identity;
  close(): Promise<void>;
}

/** `storage`: the relay's own (in memory when omitted), for tests that change what it serves. */
export async function startRelay(space = 'lab', storage?: Storage): Promise<RelayFixture> {
  const [lead, editor, viewer, stranger] = (await Promise.all(
    ['Ada Lead', 'Eve Editor', 'Vic Viewer', 'Sam Stranger'].map((name) => generateIdentity(name)),
  )) as [Identity, Identity, Identity, Identity];
  const relay = createRelay({
    admins: [lead.publicKey],
    host: '127.0.0.1',
    port: 0,
    logger: silentLogger,
    ...(storage ? { storage } : {}),
  });
  const { url } = await relay.listen();
  const control = new EnclaveConnection({
    relayUrl: url,
    room: { space },
    identity: lead,
    WebSocket: NodeWebSocket,
    reconnect: false,
  }).connect();
  try {
    await control.request({ op: 'space.create' });
    const grants: [Identity, Role][] = [
      [editor, 'editor'],
      [viewer, 'viewer'],
    ];
    for (const [identity, role] of grants) {
      await control.request({ op: 'members.grant', publicKey: identity.publicKey, role, name: identity.name });
    }
  } finally {
    control.destroy();
  }
  return { relay, url, space, lead, editor, viewer, stranger, close: () => relay.close() };
}

/** Polls until `check` stops throwing (or the time is up, then rethrows its last error). */
export async function eventually(check: () => void | Promise<void>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}
