/**
 * What a requester sees after asking to join a space: waiting for a lead, then either the space's
 * documents to open (the same connection was admitted: nothing to reconnect) or the refusal.
 */
import { Widget } from '@lumino/widgets';
import type { AccessRequest, AccessRequestState } from '../governance/access-request.js';

export class AccessRequestView extends Widget {
  constructor(
    private readonly request: AccessRequest,
    private readonly openDocument: (document: string) => void,
  ) {
    super();
    this.id = `enclave-access-request-${request.options.relay}-${request.space}`;
    this.addClass('enclave-access-request');
    this.title.label = `Access: ${request.space}`;
    this.title.closable = true;
    request.on('state', this.render);
    this.render(request.state);
  }

  override dispose(): void {
    if (this.isDisposed) return;
    this.request.off('state', this.render);
    super.dispose();
  }

  private readonly render = (state: AccessRequestState): void => {
    if (this.isDisposed) return;
    const { space } = this.request;
    this.node.replaceChildren();
    this.node.dataset['state'] = state.kind;
    const status = document.createElement('p');
    status.className = 'enclave-access-status';
    this.node.appendChild(status);
    switch (state.kind) {
      case 'sending':
        status.textContent = `Sending your request to the leads of ${space}…`;
        return;
      case 'waiting':
        status.textContent =
          `Waiting for a lead of ${space} to answer your request. Keep this tab open: ` +
          'when a lead approves, you are let in here without reconnecting.';
        return;
      case 'refused':
        status.textContent = `No access to ${space}: ${state.reason}`;
        return;
      case 'approved': {
        status.textContent = `Approved: you are ${state.role ?? 'admitted'} in ${space}.`;
        const list = document.createElement('ul');
        list.className = 'enclave-access-documents';
        for (const doc of state.documents) {
          const item = document.createElement('li');
          const button = document.createElement('button');
          button.className = 'jp-Button jp-mod-styled enclave-open-document';
          button.textContent = `Open ${doc.name}`;
          button.dataset['document'] = doc.name;
          button.onclick = () => this.openDocument(doc.name);
          item.appendChild(button);
          list.appendChild(item);
        }
        if (state.documents.length === 0) list.textContent = 'The space has no documents yet.';
        this.node.appendChild(list);
        return;
      }
    }
  };
}
