/**
 * Y.Docs connected pairwise through queues that a test delivers from when it chooses (in random order
 * across links), standing in for the relay in the binding unit tests. The relay itself is tested with
 * real sockets in relay-server/ and in `npm run test:vscode`.
 */
import * as Y from 'yjs';
import type { Random } from './random.js';

interface Link {
  readonly to: Y.Doc;
  readonly queue: Uint8Array[];
}

export class Network {
  private readonly links: Link[] = [];

  constructor(readonly docs: readonly Y.Doc[]) {
    for (const from of docs) {
      // Each link starts with the sender's whole state, as a sync step does on connection.
      const outgoing = docs.filter((doc) => doc !== from).map((to) => ({ to, queue: [Y.encodeStateAsUpdate(from)] }));
      this.links.push(...outgoing);
      from.on('update', (update: Uint8Array, origin: unknown) => {
        if (origin === this) return;
        for (const link of outgoing) link.queue.push(update);
      });
    }
  }

  get pending(): number {
    return this.links.reduce((sum, link) => sum + link.queue.length, 0);
  }

  /** Delivers the oldest message of a random link; false when nothing is queued. */
  deliverOne(random: Random): boolean {
    const busy = this.links.filter((link) => link.queue.length > 0);
    if (busy.length === 0) return false;
    const link = random.pick(busy);
    Y.applyUpdate(link.to, link.queue.shift()!, this);
    return true;
  }

  deliverAll(): void {
    for (const link of this.links) {
      while (link.queue.length > 0) Y.applyUpdate(link.to, link.queue.shift()!, this);
    }
  }
}
