/**
 * JupyterLab's notebook panel writes the kernel's `kernelspec` and `language_info` into the notebook each
 * time its session gets a kernel, the one started on opening included. In a shared notebook that write
 * reaches everyone (another Python patch version, another display name) just because someone opened it.
 * On Enclave notebooks the panel's own handler therefore runs only for a real change of kernel: one whose
 * name differs from the notebook's `kernelspec` (the person picked another kernel), or a notebook that has
 * none yet. A viewer's kernel writes nothing.
 */
import type { NotebookPanel } from '@jupyterlab/notebook';
import type { ISessionContext } from '@jupyterlab/apputils';
import type { IDisposable } from '@lumino/disposable';

type KernelChanged = ISessionContext['kernelChanged'];
type Handler = (sender: ISessionContext, args: Parameters<Parameters<KernelChanged['connect']>[0]>[1]) => void;

export class KernelMetadataPolicy implements IDisposable {
  private disposed = false;
  private readonly original: Handler | undefined;

  constructor(
    private readonly panel: NotebookPanel,
    private readonly readOnly: () => boolean,
  ) {
    // The panel's private handler (JupyterLab 4.6): wrapped, so that JupyterLab keeps doing the update itself.
    this.original = (panel as unknown as { _onKernelChanged?: Handler })._onKernelChanged;
    if (typeof this.original !== 'function') {
      console.warn('Enclave: this JupyterLab has no NotebookPanel._onKernelChanged; kernel metadata is not guarded');
      this.original = undefined;
      return;
    }
    const signal = panel.sessionContext.kernelChanged;
    signal.disconnect(this.original, panel);
    signal.connect(this.onKernelChanged, this);
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (!this.original || this.panel.isDisposed) return;
    this.panel.sessionContext.kernelChanged.disconnect(this.onKernelChanged, this);
  }

  private onKernelChanged: Handler = (sender, args) => {
    const kernel = args.newValue;
    const model = this.panel.model;
    if (!kernel || !model || this.readOnly()) return;
    const current = model.getMetadata('kernelspec') as { name?: unknown } | undefined;
    if (current && current.name === kernel.name) return; // the notebook's own kernel (re)started
    this.original!.call(this.panel, sender, args);
  };
}
