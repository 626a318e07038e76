/**
 * When a lead removes the person from the space while a document is open (the relay closes with 4409), the
 * document says so above its content, in words, and stays read-only (DocumentLink.readOnly): no silent
 * stale view that looks live.
 */
import type { MainAreaWidget } from '@jupyterlab/apputils';
import type { IDisposable } from '@lumino/disposable';
import { Widget } from '@lumino/widgets';
import type { DocumentLink } from '../session/document-link.js';

export class RemovedBanner implements IDisposable {
  private banner: Widget | undefined;
  private disposed = false;

  constructor(
    private readonly widget: MainAreaWidget,
    private readonly link: DocumentLink,
  ) {
    link.on('closed', this.check);
    this.check();
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.link.off('closed', this.check);
    this.banner?.dispose();
  }

  private readonly check = (): void => {
    if (this.disposed || this.banner || !this.link.removed || this.widget.isDisposed) return;
    const node = document.createElement('div');
    node.className = 'enclave-removed-banner';
    node.setAttribute('role', 'alert');
    const title = document.createElement('strong');
    title.textContent = `You were removed from the space "${this.link.room.space}".`;
    const text = document.createElement('span');
    text.textContent =
      ' This document is no longer shared: what is on screen is the last copy this browser received, nothing ' +
      'you change is saved or sent, and new edits by others will not arrive. Copy what you still need, then close it.';
    node.append(title, text);
    this.banner = new Widget({ node });
    this.widget.contentHeader.addWidget(this.banner);
    this.widget.addClass('enclave-removed');
    this.widget.title.caption = `${this.widget.title.caption} (removed: not shared)`;
  };
}
