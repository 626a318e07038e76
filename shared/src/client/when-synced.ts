/**
 * What "synced" waits for, for both kinds of document session (plain and sealed): the session's 'synced'
 * event, or a reason to give up: the document is missing, or the connection was refused or closed for good
 * (then the connection's own error, which names the relay and the reason).
 */
import type { ObservableV2 } from 'lib0/observable';
import type { EnclaveConnection } from './enclave-connection.js';
import type { RequestError } from './errors.js';

interface SyncEvents {
  synced: (synced: boolean) => void;
  missing: (error: RequestError) => void;
}

export function whenSynced(session: { readonly synced: boolean }, connection: EnclaveConnection): Promise<void> {
  if (session.synced) return Promise.resolve();
  // Both sessions are ObservableV2s whose events include these two (with more beside them).
  const events = session as unknown as ObservableV2<SyncEvents>;
  return new Promise((resolve, reject) => {
    const onSynced = (synced: boolean): void => {
      if (synced) done(resolve);
    };
    const onMissing = (error: RequestError): void => done(() => reject(error));
    const onStatus = (): void => {
      const status = connection.status;
      if (status === 'denied' || status === 'closed') done(() => connection.whenWelcomed().catch(reject));
    };
    const done = (then: () => void): void => {
      events.off('synced', onSynced);
      events.off('missing', onMissing);
      connection.off('status', onStatus);
      then();
    };
    events.on('synced', onSynced);
    events.on('missing', onMissing);
    connection.on('status', onStatus);
    onStatus();
  });
}
