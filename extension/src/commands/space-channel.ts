/** Runs requests on a space's control channel (documents, members), then closes it. */
import type { EnclaveConnection, Identity } from '@enclave/shared';
import { connect } from '../session/connect.js';

export async function withSpace<T>(
  relay: string,
  space: string,
  identity: Identity,
  action: (connection: EnclaveConnection) => Promise<T>,
  /** What gets the channel past the space's agreement, if it has one the identity has not signed. */
  gate: (connection: EnclaveConnection) => Promise<unknown> = (c) => c.whenWelcomed(),
): Promise<T> {
  const connection = connect(relay, { space }, identity);
  try {
    await gate(connection);
    return await action(connection);
  } finally {
    connection.close();
  }
}
