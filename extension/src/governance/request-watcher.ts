/**
 * For leads: a space channel that stays open and reports access requests as they are made (shared's
 * RequestWatch lists the pending ones on each admission and follows the relay's events). Someone who turns
 * out not to be a lead of the space gets nothing: the watcher closes itself.
 */
import * as vscode from 'vscode';
import type { AccessRequestInfo, EnclaveConnection, Identity, Role } from '@enclave/shared';
import { RequestWatch } from '@enclave/shared';
import { connect } from '../session/connect.js';

export interface WatchedSpace {
  readonly relay: string;
  readonly space: string;
}

export class RequestWatcher implements vscode.Disposable {
  private readonly connection: EnclaveConnection;
  private readonly watch: RequestWatch;
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
    this.watch = new RequestWatch(this.connection);
    this.watch.on('added', (request) => this.added.fire(request));
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
    return this.watch.pending;
  }

  async approve(id: string, role: Role): Promise<AccessRequestInfo> {
    return (await this.watch.approve(id, role)).request;
  }

  async deny(id: string): Promise<AccessRequestInfo> {
    return (await this.watch.deny(id)).request;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.watch.destroy();
    this.connection.close();
    this.added.dispose();
  }
}
