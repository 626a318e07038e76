/**
 * A sidebar panel for leads: the pending access requests of the spaces they watch, live, each with the
 * requester's claimed name, key fingerprint and message, a role, Approve and Deny.
 */
import { requestHeadline, ROLES, type Role } from '@enclave/shared';
import { Widget } from '@lumino/widgets';
import type { PendingRequest, RequestWatcher } from '../governance/request-watcher.js';

export class RequestsPanel extends Widget {
  constructor(
    private readonly watcher: RequestWatcher,
    private readonly report: (title: string, error: unknown) => void,
  ) {
    super();
    this.id = 'enclave-requests';
    this.addClass('enclave-requests');
    this.title.caption = 'Enclave access requests';
    watcher.on('changed', this.render);
    this.render();
  }

  override dispose(): void {
    if (this.isDisposed) return;
    this.watcher.off('changed', this.render);
    super.dispose();
  }

  private readonly render = (): void => {
    if (this.isDisposed) return;
    const pending = this.watcher.pending;
    this.title.label = pending.length > 0 ? `Requests (${pending.length})` : '';
    const node = this.node;
    node.replaceChildren();
    const heading = document.createElement('h3');
    heading.textContent = 'Access requests';
    node.appendChild(heading);
    const spaces = this.watcher.spaces;
    const watching = document.createElement('p');
    watching.className = 'enclave-requests-watching';
    watching.textContent =
      spaces.length === 0
        ? 'Not watching any space. Open a document of a space you lead, or use Enclave > Watch Access Requests.'
        : `Watching: ${spaces.map((s) => `${s.space} (${s.relay})`).join(', ')}`;
    node.appendChild(watching);
    for (const space of spaces) {
      const problem = this.watcher.problemOf(space.relay, space.space);
      if (!problem) continue;
      const p = document.createElement('p');
      p.className = 'enclave-requests-problem';
      p.textContent = `${space.space}: ${problem}`;
      node.appendChild(p);
    }
    if (spaces.length > 0 && pending.length === 0) {
      const none = document.createElement('p');
      none.className = 'enclave-requests-none';
      none.textContent = 'No pending requests.';
      node.appendChild(none);
    }
    for (const item of pending) node.appendChild(this.row(item));
  };

  private row(item: PendingRequest): HTMLElement {
    const { request } = item;
    const row = document.createElement('div');
    row.className = 'enclave-request';
    row.dataset['requestId'] = request.id;
    row.dataset['publicKey'] = request.publicKey;
    const who = document.createElement('div');
    who.className = 'enclave-request-who';
    who.textContent = requestHeadline(request, item.space);
    if (request.via) row.dataset['via'] = request.via;
    who.title = `${request.publicKey}\nThe name is what the requester typed; the fingerprint is their key's.`;
    const message = document.createElement('div');
    message.className = 'enclave-request-message';
    message.textContent = request.message || '(no message)';
    const role = document.createElement('select');
    role.className = 'enclave-request-role';
    for (const r of ROLES) role.appendChild(Object.assign(document.createElement('option'), { value: r, text: r }));
    role.value = 'editor';
    const approve = this.button('Approve', 'enclave-request-approve', () =>
      this.watcher.approve(item, role.value as Role),
    );
    const deny = this.button('Deny', 'enclave-request-deny', () => this.watcher.deny(item));
    const actions = document.createElement('div');
    actions.className = 'enclave-request-actions';
    actions.append(role, approve, deny);
    row.append(who, message, actions);
    return row;
  }

  private button(label: string, className: string, run: () => Promise<unknown>): HTMLButtonElement {
    const button = document.createElement('button');
    button.className = `jp-Button jp-mod-styled ${className}`;
    button.textContent = label;
    button.onclick = () => {
      button.disabled = true;
      run().catch((error: unknown) => {
        button.disabled = false;
        this.report(`Cannot ${label.toLowerCase()} the request`, error);
      });
    };
    return button;
  }
}
