/**
 * Live access requests for leads: one RequestWatcher per space that has a shared document open (started
 * when the session's role is lead) or that the lead asked to watch. Each new request shows a notification
 * with Approve (as editor / as viewer) and Deny.
 */
import * as vscode from 'vscode';
import type { AccessRequestInfo, Identity, Role } from '@enclave/shared';
import type { SessionRegistry } from '../session/session-registry.js';
import { type RequestWatcher, type WatchedSpace } from './request-watcher.js';

const keyOf = (where: WatchedSpace): string => `${where.relay}\n${where.space}`;

export class LeadWatch implements vscode.Disposable {
  private readonly watchers = new Map<string, { watcher: RequestWatcher; explicit: boolean }>();
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly sessions: SessionRegistry,
    private readonly identity: () => Promise<Identity | undefined>,
    private readonly makeWatcher: (where: WatchedSpace, identity: Identity) => RequestWatcher,
    private readonly onError: (error: unknown) => void,
  ) {
    this.subscription = sessions.onDidChange(() => void this.follow());
  }

  /** Starts watching a space on request; resolves true if this identity is one of its leads. */
  async watch(where: WatchedSpace): Promise<boolean> {
    const existing = this.watchers.get(keyOf(where));
    if (existing?.watcher.active) {
      existing.explicit = true;
      return existing.watcher.whenReady();
    }
    const identity = await this.identity();
    if (!identity) return false;
    return this.start(where, identity, true).whenReady();
  }

  /** Stops an explicit watch (a space with a lead session open stays watched). */
  unwatch(where: WatchedSpace): void {
    const entry = this.watchers.get(keyOf(where));
    if (!entry) return;
    entry.explicit = false;
    void this.follow();
  }

  /** Pending requests seen live, across the watched spaces. */
  pending(): (AccessRequestInfo & WatchedSpace)[] {
    return [...this.watchers.values()].flatMap(({ watcher }) =>
      watcher.pending().map((r) => ({ ...r, ...watcher.where })),
    );
  }

  watcherFor(where: WatchedSpace): RequestWatcher | undefined {
    const entry = this.watchers.get(keyOf(where));
    return entry?.watcher.active ? entry.watcher : undefined;
  }

  /** Watches the spaces of open sessions in which we are a lead; stops watching spaces no longer open. */
  private async follow(): Promise<void> {
    const open = new Map<string, WatchedSpace>();
    for (const session of this.sessions.all()) {
      if (session.role === 'lead') open.set(keyOf(session.address), session.address);
    }
    for (const [key, entry] of this.watchers) {
      if (!entry.watcher.active || (!entry.explicit && !open.has(key))) {
        entry.watcher.dispose();
        this.watchers.delete(key);
      }
    }
    const missing = [...open].filter(([key]) => !this.watchers.has(key));
    if (missing.length === 0) return;
    const identity = await this.identity();
    if (!identity) return;
    for (const [key, where] of missing) if (!this.watchers.has(key)) this.start(where, identity, false);
  }

  private start(where: WatchedSpace, identity: Identity, explicit: boolean): RequestWatcher {
    const watcher = this.makeWatcher(where, identity);
    this.watchers.set(keyOf(where), { watcher, explicit });
    watcher.onDidAdd((request) => this.notify(watcher, request));
    return watcher;
  }

  private notify(watcher: RequestWatcher, request: AccessRequestInfo): void {
    const actions: Record<string, Role | 'deny'> = {
      'Approve as editor': 'editor',
      'Approve as viewer': 'viewer',
      Deny: 'deny',
    };
    const said = request.message ? `: "${request.message}"` : '';
    void vscode.window
      .showInformationMessage(
        `Enclave: ${request.name} (${request.fingerprint}) asks to join ${watcher.where.space}${said}`,
        ...Object.keys(actions),
      )
      .then(async (choice) => {
        const action = choice ? actions[choice] : undefined;
        if (!action || !watcher.active || !watcher.pending().some((r) => r.id === request.id)) return;
        try {
          if (action === 'deny') await watcher.deny(request.id);
          else await watcher.approve(request.id, action);
        } catch (error) {
          this.onError(error);
        }
      });
  }

  dispose(): void {
    this.subscription.dispose();
    for (const { watcher } of this.watchers.values()) watcher.dispose();
    this.watchers.clear();
  }
}
