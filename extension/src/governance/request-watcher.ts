/**
 * For leads: a space channel that stays open and reports access requests as they are made (the relay's
 * `space-event`s), after listing the ones already pending. Someone who turns out not to be a lead of the
 * space gets nothing: the watcher closes itself.
 */
import * as vscode from 'vscode';
import type { AccessRequestInfo, EnclaveConnection, Identity, Role, SpaceEvent } from '@enclave/shared';
import { connect } from '../session/connect.js';

export interface WatchedSpace {
  readonly relay: string;
  readonly space: string;
}

export class RequestWatcher implements vscode.Disposable {
  private readonly requests = new Map<string, AccessRequestInfo>();
  private readonly connection: EnclaveConnection;
  private readonly added = new vscode.EventEmitter<AccessRequestInfo>();
  /** A request this watcher had not seen: new, or pending when the watch started. */
  readonly onDidAdd = this.added.event;
  private readonly ready: Promise<boolean>;
  private disposed = false;

  constructor(
    readonly where: WatchedSpace,
    identity: Identity,
    gate: (connection: EnclaveConnection) => Promise<unknown>,
  ) {
    this.connection = connect(where.relay, { space: where.space }, identity);
    this.connection.on('space-event', this.onEvent);
    this.connection.on('welcome', this.onWelcome);
    this.ready = gate(this.connection).then(
      () => this.connection.welcome?.role === 'lead',
      () => false,
    );
    void this.ready.then((lead) => {
      if (!lead) this.dispose();
    });
  }

  /** Resolves true once watching (as a lead), false if this identity cannot watch the space. */
  whenReady(): Promise<boolean> {
    return this.ready;
  }

  get active(): boolean {
    return !this.disposed;
  }

  pending(): AccessRequestInfo[] {
    return [...this.requests.values()];
  }

  async approve(id: string, role: Role): Promise<AccessRequestInfo> {
    const { request } = await this.connection.request({ op: 'requests.approve', id, role });
    this.requests.delete(id);
    return request;
  }

  async deny(id: string): Promise<AccessRequestInfo> {
    const { request } = await this.connection.request({ op: 'requests.deny', id });
    this.requests.delete(id);
    return request;
  }

  /** (Re)lists pending requests after each welcome: events missed while disconnected are caught up. */
  private readonly onWelcome = (): void => {
    if (this.connection.welcome?.role !== 'lead' || this.connection.welcome.agreement) return;
    this.connection.request({ op: 'requests.list', status: 'pending' }).then(
      ({ requests }) => {
        const ids = new Set(requests.map((r) => r.id));
        for (const id of this.requests.keys()) if (!ids.has(id)) this.requests.delete(id);
        for (const request of requests) this.add(request);
      },
      () => undefined, // the channel closed meanwhile; the next welcome lists again
    );
  };

  private readonly onEvent = (event: SpaceEvent): void => {
    if (event.kind === 'access-request' && event.request.status === 'pending') this.add(event.request);
    else this.requests.delete(event.request.id);
  };

  private add(request: AccessRequestInfo): void {
    if (this.disposed || this.requests.has(request.id)) return;
    this.requests.set(request.id, request);
    this.added.fire(request);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.connection.off('space-event', this.onEvent);
    this.connection.off('welcome', this.onWelcome);
    this.connection.close();
    this.added.dispose();
  }
}
