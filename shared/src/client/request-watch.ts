/**
 * A lead's live view of one space's pending access requests, over a space-channel connection the caller
 * owns: listed with `requests.list` on every admission (so events missed while disconnected are caught up),
 * then kept current by the relay's `space-event`s. Approve and deny go through the same connection. Both
 * editors build their request lists and notifications on this; what they show is theirs.
 */
import { ObservableV2 } from 'lib0/observable';
import type { Role } from '../protocol/access.js';
import type { AccessRequestInfo, SpaceEvent } from '../protocol/governance.js';
import type { ResultOf, WelcomeMessage } from '../protocol/messages.js';
import type { EnclaveConnection } from './enclave-connection.js';

export interface RequestWatchEvents {
  /** The list of pending requests changed. */
  changed: () => void;
  /** A request this watch had not seen: `live` when it arrived as an event, not in a listing. */
  added: (request: AccessRequestInfo, live: boolean) => void;
  /** The requests could not be listed (e.g. this identity is not a lead of the space). */
  problem: (message: string) => void;
}

export class RequestWatch extends ObservableV2<RequestWatchEvents> {
  private readonly requests = new Map<string, AccessRequestInfo>();
  private readonly loaded: Promise<void>;
  private markLoaded: () => void = () => undefined;
  private destroyed = false;

  constructor(readonly connection: EnclaveConnection) {
    super();
    this.loaded = new Promise((resolve) => (this.markLoaded = resolve));
    connection.on('welcome', this.onWelcome);
    connection.on('space-event', this.onEvent);
    connection.on('status', this.onStatus);
    const welcome = connection.welcome;
    if (welcome) this.onWelcome(welcome);
  }

  /** Pending requests, oldest first. */
  get pending(): AccessRequestInfo[] {
    return [...this.requests.values()].sort((a, b) => a.created.localeCompare(b.created));
  }

  /** Resolves after the first listing (or its problem), or once the connection has failed for good. */
  whenLoaded(): Promise<void> {
    return this.loaded;
  }

  async approve(id: string, role: Role): Promise<ResultOf['requests.approve']> {
    const result = await this.connection.request({ op: 'requests.approve', id, role });
    this.remove(id);
    return result;
  }

  async deny(id: string): Promise<ResultOf['requests.deny']> {
    const result = await this.connection.request({ op: 'requests.deny', id });
    this.remove(id);
    return result;
  }

  /** Stops listening; the connection stays the caller's to close. */
  override destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.connection.off('welcome', this.onWelcome);
    this.connection.off('space-event', this.onEvent);
    this.connection.off('status', this.onStatus);
    this.markLoaded();
    super.destroy();
  }

  private readonly onWelcome = (welcome: WelcomeMessage): void => {
    if (welcome.agreement) return; // the welcome after the signature lists
    if (welcome.role !== 'lead') {
      const space = this.connection.options.room.space;
      this.fail(`only a lead of ${space} sees its access requests (you are ${welcome.role ?? 'not a member'} there)`);
      return;
    }
    this.connection.request({ op: 'requests.list', status: 'pending' }).then(
      ({ requests }) => this.replace(requests),
      (error: unknown) => this.fail(error instanceof Error ? error.message : String(error)),
    );
  };

  private readonly onEvent = (event: SpaceEvent): void => {
    if (this.destroyed) return;
    if (event.kind === 'access-request' && event.request.status === 'pending') {
      const live = !this.requests.has(event.request.id);
      this.requests.set(event.request.id, event.request);
      this.emit('changed', []);
      if (live) this.emit('added', [event.request, true]);
    } else {
      this.remove(event.request.id);
    }
  };

  private readonly onStatus = (): void => {
    if (this.connection.hasFailed()) this.markLoaded();
  };

  private replace(requests: readonly AccessRequestInfo[]): void {
    if (this.destroyed) return;
    const ids = new Set(requests.map((r) => r.id));
    for (const id of this.requests.keys()) if (!ids.has(id)) this.requests.delete(id);
    const added = requests.filter((r) => !this.requests.has(r.id));
    for (const request of requests) this.requests.set(request.id, request);
    this.emit('changed', []);
    for (const request of added) this.emit('added', [request, false]);
    this.markLoaded();
  }

  private remove(id: string): void {
    if (this.requests.delete(id) && !this.destroyed) this.emit('changed', []);
  }

  private fail(message: string): void {
    if (this.destroyed) return;
    this.emit('problem', [message]);
    this.markLoaded();
  }
}

/** How a lead sees who asks: "Dr. Asker · ab12-cd34-ef56-7890 → lab", and where they asked from. */
export function requestHeadline(request: AccessRequestInfo, space: string): string {
  const origin = request.via === 'directory' ? ' · from the directory' : '';
  return `${request.name} · ${request.fingerprint} → ${space}${origin}`;
}
