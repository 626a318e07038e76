/**
 * The spaces this person has been in, per relay, remembered across windows (the relay lists a space's
 * documents and members, but not which spaces a key belongs to). A space is remembered when one of its
 * documents is open here, or when added by hand.
 */
import * as vscode from 'vscode';
import { checkName, checkRelayUrl } from '@enclave/shared';
import type { SessionRegistry } from '../session/session-registry.js';

export interface KnownSpace {
  readonly relay: string;
  readonly space: string;
}

const KEY = 'enclave.knownSpaces';

export class KnownSpaces implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly state: vscode.Memento,
    sessions: SessionRegistry,
  ) {
    this.subscription = sessions.onDidChange(() => {
      for (const session of sessions.all()) void this.add(session.address.relay, session.address.space);
    });
  }

  all(): KnownSpace[] {
    const stored = this.state.get<unknown>(KEY, []);
    if (!Array.isArray(stored)) return [];
    return stored.filter(
      (s): s is KnownSpace =>
        typeof s === 'object' && s !== null && typeof s.relay === 'string' && typeof s.space === 'string',
    );
  }

  async add(relay: string, space: string): Promise<void> {
    const entry = { relay: checkRelayUrl(relay), space: checkName('space', space) };
    const known = this.all();
    if (known.some((s) => s.relay === entry.relay && s.space === entry.space)) return;
    await this.state.update(KEY, [...known, entry]);
    this.changed.fire();
  }

  async remove(relay: string, space: string): Promise<void> {
    await this.state.update(
      KEY,
      this.all().filter((s) => s.relay !== relay || s.space !== space),
    );
    this.changed.fire();
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
