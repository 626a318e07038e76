/**
 * A toolbar item for Enclave documents: the connection state, the role, and one coloured badge per
 * participant (the names and colours the relay stamped into awareness).
 */
import { Widget } from '@lumino/widgets';
import { participantsOf } from '../presence/participants.js';
import type { DocumentLink } from '../session/document-link.js';

export class PresenceBar extends Widget {
  constructor(
    private readonly link: DocumentLink,
    private readonly selfPublicKey: string,
  ) {
    super();
    this.addClass('enclave-presence');
    link.on('status', this.render);
    link.on('role', this.render);
    link.session.awareness.on('change', this.render);
    this.render();
  }

  override dispose(): void {
    if (this.isDisposed) return;
    this.link.off('status', this.render);
    this.link.off('role', this.render);
    this.link.session.awareness.off('change', this.render);
    super.dispose();
  }

  private readonly render = (): void => {
    if (this.isDisposed) return;
    const status = this.link.connection.status;
    const node = this.node;
    node.replaceChildren();
    const state = document.createElement('span');
    state.className = `enclave-status enclave-status-${status}`;
    state.textContent = status === 'connected' ? (this.link.role ?? 'admin') : status;
    state.title = `Enclave ${this.link.name}: ${status}`;
    node.appendChild(state);
    for (const participant of participantsOf(this.link.session.awareness, this.selfPublicKey)) {
      const badge = document.createElement('span');
      badge.className = 'enclave-participant';
      badge.style.backgroundColor = participant.color;
      badge.textContent = participant.initials;
      badge.title = `${participant.name}${participant.self ? ' (you)' : ''} · ${participant.fingerprint}`;
      badge.dataset['publicKey'] = participant.publicKey;
      node.appendChild(badge);
    }
  };
}
