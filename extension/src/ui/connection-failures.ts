/**
 * Opening failed because the relay could not be reached or never answered: an error notification that names
 * the relay's URL and why, with a "Retry" button. Kept while shown, so the test suite can see it and press it.
 */
import * as vscode from 'vscode';
import type { ConnectionClosedError } from '@enclave/shared';

export interface ShownFailure {
  readonly message: string;
  readonly actions: readonly string[];
  /** What pressing "Retry" does. */
  retry(): Promise<unknown>;
}

export class ConnectionFailures {
  private readonly shown = new Set<ShownFailure>();

  constructor(private readonly report: (error: unknown) => void) {}

  show(what: string, error: ConnectionClosedError, retry: () => Promise<unknown>): void {
    const failure: ShownFailure = {
      message: `Enclave: could not open ${what}: ${error.message}`,
      actions: ['Retry'],
      retry: () => {
        this.shown.delete(failure);
        return retry().catch(this.report);
      },
    };
    this.shown.add(failure);
    void vscode.window.showErrorMessage(failure.message, ...failure.actions).then((choice) => {
      if (!this.shown.has(failure)) return undefined; // already retried (from the API)
      this.shown.delete(failure);
      return choice === 'Retry' ? failure.retry() : undefined;
    });
  }

  /** Failures whose notification is still up. */
  pending(): readonly ShownFailure[] {
    return [...this.shown];
  }
}
