/**
 * A toolbar item for Enclave documents: the connection state, the role, and one coloured badge per
 * participant (the names and colours the relay stamped into awareness).
 */
import { Widget } from '@lumino/widgets';
import { statusSummary, type StatusTone } from '@enclave/shared';
import { participantsOf } from '../presence/participants.js';
import type { DocumentLink } from '../session/document-link.js';

const TONE_ICONS: Record<StatusTone, string> = { ok: '●', working: '◌', offline: '↻', stopped: '✖' };

export class PresenceBar extends Widget {
  /** The participant being followed (their badge is marked), if any. */
  private followedKey: string | undefined;

  constructor(
    private readonly link: DocumentLink,
    private readonly selfPublicKey: string,
    /** A click on someone else's badge: follow them (notebooks); optional. */
    private readonly onPick?: (publicKey: string) => void,
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

  set followed(publicKey: string | undefined) {
    this.followedKey = publicKey;
    this.render();
  }

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
    const node = this.node;
    node.replaceChildren();
    // Icon and words, not one small word: connected, reconnecting (counted down), offline, removed.
    const summary = statusSummary(this.link.connection, this.link.role);
    const state = document.createElement('span');
    state.className = `enclave-status enclave-status-${summary.tone}`;
    state.dataset['status'] = this.link.connection.status;
    const icon = document.createElement('span');
    icon.className = 'enclave-status-icon';
    icon.textContent = TONE_ICONS[summary.tone];
    icon.setAttribute('aria-hidden', 'true');
    const label = document.createElement('span');
    label.className = 'enclave-status-label';
    label.textContent = summary.label;
    state.append(icon, label);
    state.title = `Enclave ${this.link.name}: ${summary.detail}`;
    clearTimeout(this.tick);
    if (summary.tone === 'offline') this.tick = setTimeout(this.render, 1_000);
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
      if (this.onPick && !participant.self) {
        const following = this.followedKey === participant.publicKey;
        badge.classList.add('enclave-followable');
        badge.classList.toggle('enclave-followed', following);
        badge.title += following ? ' · following: act to stop' : ' · click to follow';
        badge.onclick = () => this.onPick?.(participant.publicKey);
      }
      node.appendChild(badge);
    }
  };
}
