/**
 * A toolbar item for Enclave documents: the connection state, the role, and one coloured badge per
 * participant (the names and colours the relay stamped into awareness).
 */
import { Widget } from '@lumino/widgets';
import { CloseCode, lastCloseText, reconnectText } from '@enclave/shared';
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
    link.on('tampered', this.render);
    link.on('waiting-for-key', this.render);
    link.awareness.on('change', this.render);
    this.render();
  }

  private tick: ReturnType<typeof setTimeout> | undefined;

  override dispose(): void {
    if (this.isDisposed) return;
    clearTimeout(this.tick);
    this.link.off('status', this.render);
    this.link.off('role', this.render);
    this.link.off('tampered', this.render);
    this.link.off('waiting-for-key', this.render);
    this.link.awareness.off('change', this.render);
    super.dispose();
  }

  private readonly render = (): void => {
    if (this.isDisposed) return;
    const status = this.link.connection.status;
    const node = this.node;
    node.replaceChildren();
    const state = document.createElement('span');
    state.className = `enclave-status enclave-status-${status}`;
    // Offline: "reconnecting to ws://… in 8 s (attempt 4)", counted down, with the last failure in the tooltip.
    const reconnecting = status === 'disconnected' ? reconnectText(this.link.connection) : undefined;
    // Refused for good: say why ("access revoked"), with the relay's reason in the tooltip.
    const revoked = status === 'denied' && this.link.connection.lastClose?.code === CloseCode.AccessRevoked;
    state.textContent =
      status === 'connected' ? (this.link.role ?? 'admin') : revoked ? 'access revoked' : (reconnecting ?? status);
    const why = reconnecting || status === 'denied' ? lastCloseText(this.link.connection) : undefined;
    state.title = `Enclave ${this.link.name}: ${why ?? status}`;
    clearTimeout(this.tick);
    if (reconnecting) this.tick = setTimeout(this.render, 1_000);
    node.appendChild(state);
    if (this.link.sealed) {
      const sealed = document.createElement('span');
      sealed.className = 'enclave-sealed';
      sealed.textContent = 'sealed';
      sealed.title = 'Sealed space: the relay stores and forwards only ciphertext it cannot read.';
      node.appendChild(sealed);
    }
    // A sealed space's problem (tampering, waiting for the key), shown once and kept in view, not repeated.
    if (this.link.problem) {
      const problem = document.createElement('span');
      problem.className = 'enclave-sealed-problem';
      problem.textContent = /failed verification/.test(this.link.problem) ? 'tampered message' : 'waiting for key';
      problem.title = this.link.problem;
      node.appendChild(problem);
    }
    for (const participant of participantsOf(this.link.awareness, this.selfPublicKey)) {
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
