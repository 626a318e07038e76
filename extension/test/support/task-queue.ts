/**
 * Deferred work that a test runs when it chooses: the in-memory editors use it to apply edits
 * asynchronously, as VS Code does, so tests can interleave local typing with edits in flight.
 */
import type { Random } from './random.js';

export class TaskQueue {
  private readonly tasks: (() => void)[] = [];

  /** Queues `work`; the promise settles with its result once a test runs it. */
  later<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.tasks.push(() => {
        try {
          resolve(work());
        } catch (error) {
          reject(error as Error);
        }
      });
    });
  }

  get size(): number {
    return this.tasks.length;
  }

  /** Runs the oldest task (or a random one when `random` is given); false when there was none. */
  runOne(random?: Random): boolean {
    if (this.tasks.length === 0) return false;
    const index = random ? random.int(this.tasks.length) : 0;
    const [task] = this.tasks.splice(index, 1);
    task!();
    return true;
  }
}

/** Lets pending promise continuations run. */
export async function settle(): Promise<void> {
  const immediate = (globalThis as { setImmediate?: (callback: () => void) => void }).setImmediate;
  await new Promise<void>((resolve) => (immediate ? immediate(resolve) : setTimeout(resolve, 0)));
}

/** Runs queued tasks until none are left and nothing new gets queued. */
export async function drain(queue: TaskQueue, random?: Random): Promise<void> {
  for (let rounds = 0; rounds < 10_000; rounds++) {
    await settle();
    if (!queue.runOne(random)) {
      await settle();
      if (queue.size === 0) return;
    }
  }
  throw new Error('the task queue did not drain');
}

/** Delivers every message and runs every editor task, again and again, until nothing is left to do. */
export async function quiesce(
  network: { deliverAll(): void; readonly pending: number },
  queue: TaskQueue,
  random?: Random,
  idle: () => Promise<void> = async () => undefined,
): Promise<void> {
  for (let rounds = 0; rounds < 100; rounds++) {
    network.deliverAll();
    await drain(queue, random);
    await idle();
    await settle();
    if (network.pending === 0 && queue.size === 0) return;
  }
  throw new Error('the replicas did not quiesce');
}
