/**
 * The fan-out of a relay that is alone on its storage: there is nobody to tell, so publishing costs
 * nothing and a document's loaded copy is always complete.
 */
import type { DocumentChannel, FanOut, FanOutHealth } from './fan-out.js';

const NOWHERE: DocumentChannel = {
  publishStored: () => undefined,
  publishCompacted: () => undefined,
  publishPresence: () => undefined,
  leave: () => undefined,
};

export class LocalFanOut implements FanOut {
  readonly shared = false;

  join(): Promise<DocumentChannel> {
    return Promise.resolve(NOWHERE);
  }

  announce(): void {}

  onSignal(): void {}

  onResync(): void {}

  async exclusive(_key: string, task: () => Promise<void>): Promise<boolean> {
    await task();
    return true;
  }

  count(): Promise<number | undefined> {
    return Promise.resolve(undefined);
  }

  health(): FanOutHealth {
    return { state: 'local' };
  }

  async close(): Promise<void> {}
}
