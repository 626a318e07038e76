/**
 * What the real-JupyterLab suites do on the relay from this process, as the space's lead: open a space
 * channel, create a space with grants, seed a notebook. The relay fixture is read when called (it is
 * started in each suite's `before`).
 */
import { EnclaveConnection, type Identity, type Role } from '@enclave/shared';
import { publish } from '../../src/session/publish.js';
import { NodeWebSocket, type RelayFixture } from '../unit/relay-fixture.js';

export const KERNELSPEC = { name: 'python3', display_name: 'Python 3 (ipykernel)', language: 'python' };

export function relayHelpers(relay: () => RelayFixture) {
  /** Runs `run` on a connection to the space's channel (the lead's unless `who` is given), then closes it. */
  const onSpace = async <T>(space: string, run: (c: EnclaveConnection) => Promise<T>, who?: Identity): Promise<T> => {
    const c = new EnclaveConnection({
      relayUrl: relay().url,
      room: { space },
      identity: who ?? relay().lead,
      WebSocket: NodeWebSocket,
      reconnect: false,
    }).connect();
    try {
      return await run(c);
    } finally {
      c.destroy();
    }
  };
  const createSpace = (space: string, grants: [Identity, Role][] = []) =>
    onSpace(space, async (c) => {
      await c.request({ op: 'space.create' });
      for (const [identity, role] of grants) {
        await c.request({ op: 'members.grant', publicKey: identity.publicKey, role, name: identity.name });
      }
    });
  /** Publishes a notebook of markdown cells, one per source. */
  const seed = (space: string, document: string, sources: string[]) =>
    publish({
      relayUrl: relay().url,
      room: { space, document },
      identity: relay().lead,
      WebSocket: NodeWebSocket,
      content: {
        kind: 'notebook',
        notebook: {
          nbformat: 4,
          nbformat_minor: 5,
          metadata: { kernelspec: KERNELSPEC },
          cells: sources.map((source, i) => ({ id: `c${i}`, cell_type: 'markdown', source, metadata: {} })),
        },
      },
    });
  return { onSpace, createSpace, seed };
}
