/**
 * Runs an async job again and again until nothing new was requested, never two at once. Bindings use it
 * to push the shared state into an editor: requests made while a push is in flight fold into one more run.
 */
export class Flusher {
  private running: Promise<void> | undefined;
  private requested = false;
  private disposed = false;

  constructor(
    private readonly job: () => Promise<void>,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Asks for a run; resolves when no run is pending any more. */
  request(): Promise<void> {
    if (this.disposed) return Promise.resolve();
    this.requested = true;
    this.running ??= this.loop();
    return this.running;
  }

  /** Resolves once every requested run has finished. */
  idle(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  get busy(): boolean {
    return this.running !== undefined;
  }

  dispose(): void {
    this.disposed = true;
    this.requested = false;
  }

  private async loop(): Promise<void> {
    // Let the current synchronous burst (one Yjs transaction, one editor event) finish first.
    await Promise.resolve();
    try {
      while (this.requested && !this.disposed) {
        this.requested = false;
        try {
          await this.job();
        } catch (error) {
          this.onError(error);
        }
      }
    } finally {
      this.running = undefined;
    }
  }
}
