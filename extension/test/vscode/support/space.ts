/** Test set-up through the real relay: a fresh space with members, created by the runner's admin. */
import {
  EnclaveConnection,
  generateIdentity,
  type Identity,
  type Role,
  type WebSocketConstructor,
} from '@enclave/shared';
import { testEnvironment } from './environment.js';

let counter = 0;

export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}`;
}

export function webSocket(): WebSocketConstructor {
  return (globalThis as unknown as { WebSocket: WebSocketConstructor }).WebSocket;
}

export async function createSpace(members: readonly { identity: Identity; role: Role }[]): Promise<string> {
  const { peerRelay: relay, admin } = await testEnvironment();
  const space = uniqueName('space');
  const channel = new EnclaveConnection({
    relayUrl: relay,
    room: { space },
    identity: admin,
    WebSocket: webSocket(),
    reconnect: false,
  }).connect();
  try {
    await channel.whenWelcomed();
    await channel.request({ op: 'space.create' });
    for (const { identity, role } of members) {
      await channel.request({ op: 'members.grant', publicKey: identity.publicKey, role, name: identity.name });
    }
  } finally {
    channel.close();
  }
  return space;
}

export function newIdentity(name: string): Promise<Identity> {
  return generateIdentity(name);
}
