/**
 * Widget extensions for notebooks and file editors: on documents from the Enclave drive, add the presence
 * bar to the toolbar and, for viewers, the read-only guard; on notebooks, keep the kernel's metadata and
 * the cells' legacy view state from being written on opening.
 */
import type { DocumentRegistry, IDocumentWidget } from '@jupyterlab/docregistry';
import { MainAreaWidget } from '@jupyterlab/apputils';
import { NotebookPanel } from '@jupyterlab/notebook';
import { DisposableDelegate, type IDisposable } from '@lumino/disposable';
import type { Widget } from '@lumino/widgets';
import { DRIVE_NAME } from '../drive/enclave-path.js';
import type { EnclaveService } from '../enclave-service.js';
import type { DocumentLink } from '../session/document-link.js';
import { NotebookFollow } from '../presence/follow.js';
import { RunningCells } from '../presence/running-cells.js';
import { PresenceBar } from './presence-bar.js';
import { RemovedBanner } from './removed-banner.js';
import { keepLegacyScrolledState } from './cell-view-state.js';
import { KernelMetadataPolicy } from './kernel-metadata.js';
import { NotebookReadOnlyGuard } from './read-only.js';

export class EnclaveDocumentExtension implements DocumentRegistry.IWidgetExtension<
  IDocumentWidget<Widget>,
  DocumentRegistry.IModel
> {
  /** `onRoleChanged`: called when a document's read-only state may have changed (menus ask again). */
  constructor(
    private readonly service: EnclaveService,
    private readonly onRoleChanged: () => void = () => undefined,
  ) {}

  createNew(widget: IDocumentWidget<Widget>, context: DocumentRegistry.IContext<DocumentRegistry.IModel>): IDisposable {
    if (!context.path.startsWith(`${DRIVE_NAME}:`)) return new DisposableDelegate(() => undefined);
    const parts: IDisposable[] = [];
    if (widget instanceof NotebookPanel) {
      keepLegacyScrolledState(widget.content);
      parts.push(new KernelMetadataPolicy(widget, () => this.service.links.get(context.path)?.readOnly ?? true));
    }
    const attach = (link: DocumentLink): void => {
      const self = this.service.identities.current?.publicKey ?? '';
      let follow: NotebookFollow | undefined;
      const pick =
        widget instanceof NotebookPanel
          ? (publicKey: string): void => {
              const again = follow?.publicKey === publicKey;
              follow?.dispose();
              if (again) return; // a second click on the followed badge stops following
              bar.followed = publicKey;
              follow = new NotebookFollow(widget, link.awareness, link.doc, publicKey, () => {
                follow = undefined;
                if (!bar.isDisposed) bar.followed = undefined;
              });
            }
          : undefined;
      const bar = new PresenceBar(link, self, pick);
      parts.push(new DisposableDelegate(() => follow?.dispose()));
      widget.toolbar.insertItem(0, 'enclave-presence', bar);
      parts.push(bar);
      // Declining the space's agreement closes the document: nothing of it was received.
      const onStatus = (): void => {
        if (link.agreementDeclined && !widget.isDisposed) widget.close();
      };
      link.on('status', onStatus);
      link.on('role', this.onRoleChanged);
      parts.push(
        new DisposableDelegate(() => {
          link.off('status', onStatus);
          link.off('role', this.onRoleChanged);
        }),
      );
      this.onRoleChanged();
      if (widget instanceof MainAreaWidget) parts.push(new RemovedBanner(widget, link));
      if (widget instanceof NotebookPanel) parts.push(new RunningCells(widget, link.awareness));
      if (widget instanceof NotebookPanel) parts.push(new NotebookReadOnlyGuard(widget, link));
      else {
        const apply = (): void => {
          context.model.readOnly = link.readOnly;
          const editor = (widget.content as unknown as { editor?: { setOption(k: string, v: unknown): void } }).editor;
          editor?.setOption('readOnly', link.readOnly);
        };
        link.on('role', apply);
        apply();
        parts.push(new DisposableDelegate(() => link.off('role', apply)));
      }
    };
    const existing = this.service.links.get(context.path);
    if (existing) attach(existing);
    else {
      const onAdded = (path: string, link: DocumentLink): void => {
        if (path !== context.path) return;
        this.service.links.off('added', onAdded);
        attach(link);
      };
      this.service.links.on('added', onAdded);
      parts.push(new DisposableDelegate(() => this.service.links.off('added', onAdded)));
    }
    return new DisposableDelegate(() => parts.forEach((p) => p.dispose()));
  }
}
