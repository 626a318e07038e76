/**
 * A space's lead on its control channel, kept open for the whole phase: creates the space, grants and
 * revokes through the real protocol (as `enclave members` does), never through storage.
 */
import { EnclaveConnection, type Identity, type Role } from '@enclave/shared';
import { NodeWebSocket } from '../support/relay-fixture.js';

export class Lead {
  private constructor(readonly connection: EnclaveConnection) {}

  /** Opens the space channel as `identity` (a relay admin) and creates the space if asked. */
  static async open(url: string, identity: Identity, space: string, create: boolean): Promise<Lead> {
    const connection = new EnclaveConnection({
      relayUrl: url,
      room: { space },
      identity,
      WebSocket: NodeWebSocket,
      reconnect: false,
    }).connect();
    await connection.whenWelcomed();
    if (create) await connection.request({ op: 'space.create', name: identity.name });
    return new Lead(connection);
  }

  async grant(identity: Identity, role: Role): Promise<void> {
    await this.connection.request({ op: 'members.grant', publicKey: identity.publicKey, role, name: identity.name });
  }

  async revoke(identity: Identity): Promise<void> {
    await this.connection.request({ op: 'members.revoke', publicKey: identity.publicKey });
  }

  close(): void {
    this.connection.destroy();
  }
}
