/**
 * Pending access requests, live, for a lead: one space-channel connection per watched space (kept open,
 * reconnecting), each followed by shared's RequestWatch (listed on every admission, then fed by the relay's
 * `space-event`s); this adds the holds (documents open, explicit watch) and the panel's events.
 */
import { browserChainPins } from '../session/browser-chain-pins.js';
import {
  type AccessRequestInfo,
  EnclaveConnection,
  type Identity,
  type Member,
  type RelayAddresses,
  RequestWatch,
  type Role,
  type WebSocketConstructor,
} from '@enclave/shared';
import { ObservableV2 } from 'lib0/observable';

export interface WatchedSpace {
  readonly relay: string;
  readonly space: string;
}

export interface PendingRequest extends WatchedSpace {
  readonly request: AccessRequestInfo;
}

export interface RequestWatcherOptions {
  /** Every address of the named relay's service (the watch moves to another when its relay dies). */
  readonly relayAddresses: (relay: string) => RelayAddresses;
  readonly identity: () => Promise<Identity>;
  readonly WebSocket: WebSocketConstructor;
}

export interface RequestWatcherEvents {
  /** The list of pending requests changed. */
  changed: () => void;
  /** A request arrived while watching (not the ones loaded on connecting). */
  arrived: (pending: PendingRequest) => void;
  /** A watched space could not be watched (e.g. not a lead there). */
  problem: (space: WatchedSpace, message: string) => void;
}

interface Watch {
  readonly key: WatchedSpace;
  readonly connection: EnclaveConnection;
  readonly requests: RequestWatch;
  /** How many reasons to watch (documents open, explicit watch). */
  holds: number;
  problem?: string;
}

const keyOf = (relay: string, space: string): string => `${relay}/${space}`;

export class RequestWatcher extends ObservableV2<RequestWatcherEvents> {
  private readonly watches = new Map<string, Watch>();

  constructor(private readonly options: RequestWatcherOptions) {
    super();
  }

  /** The spaces watched now. */
  get spaces(): WatchedSpace[] {
    return [...this.watches.values()].map((w) => w.key);
  }

  /** Every pending request of every watched space, oldest first. */
  get pending(): PendingRequest[] {
    const all: PendingRequest[] = [];
    for (const watch of this.watches.values()) {
      for (const request of watch.requests.pending) all.push({ ...watch.key, request });
    }
    return all.sort((a, b) => a.request.created.localeCompare(b.request.created));
  }

  /** Why a watched space shows nothing, if something went wrong. */
  problemOf(relay: string, space: string): string | undefined {
    return this.watches.get(keyOf(relay, space))?.problem;
  }

  /** Starts watching (or adds a hold on) a space; resolves once its pending requests are loaded. */
  async watch(relay: string, space: string): Promise<void> {
    const key = keyOf(relay, space);
    const existing = this.watches.get(key);
    if (existing) {
      existing.holds++;
      return;
    }
    const identity = await this.options.identity();
    const raced = this.watches.get(key);
    if (raced) {
      raced.holds++;
      return;
    }
    const connection = new EnclaveConnection({
      ...this.options.relayAddresses(relay),
      room: { space },
      identity,
      WebSocket: this.options.WebSocket,
      chainPins: browserChainPins(),
    });
    const requests = new RequestWatch(connection);
    const watch: Watch = { key: { relay, space }, connection, requests, holds: 1 };
    this.watches.set(key, watch);
    requests.on('changed', () => {
      delete watch.problem;
      this.emit('changed', []);
    });
    requests.on('added', (request, live) => {
      if (live) this.emit('arrived', [{ ...watch.key, request }]);
    });
    requests.on('problem', (message) => this.setProblem(watch, message));
    connection.on('closed', (info) => {
      if (!info.willReconnect && this.watches.get(key) === watch) this.setProblem(watch, info.reason || 'closed');
    });
    connection.connect();
    await requests.whenLoaded();
  }

  /** Drops a hold; the connection closes when nothing holds it. */
  unwatch(relay: string, space: string): void {
    const key = keyOf(relay, space);
    const watch = this.watches.get(key);
    if (!watch || --watch.holds > 0) return;
    this.watches.delete(key);
    watch.requests.destroy();
    watch.connection.destroy();
    this.emit('changed', []);
  }

  async approve(pending: PendingRequest, role: Role): Promise<Member> {
    const watch = this.require(pending);
    const { member } = await watch.requests.approve(pending.request.id, role);
    return member;
  }

  async deny(pending: PendingRequest): Promise<void> {
    const watch = this.require(pending);
    await watch.requests.deny(pending.request.id);
  }

  override destroy(): void {
    for (const watch of this.watches.values()) {
      watch.requests.destroy();
      watch.connection.destroy();
    }
    this.watches.clear();
    super.destroy();
  }

  private require(pending: WatchedSpace): Watch {
    const watch = this.watches.get(keyOf(pending.relay, pending.space));
    if (!watch) throw new Error(`${pending.space} is not watched`);
    return watch;
  }

  private setProblem(watch: Watch, message: string): void {
    watch.problem = message;
    this.emit('problem', [watch.key, message]);
    this.emit('changed', []);
  }
}
