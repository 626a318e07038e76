/**
 * The live links of this JupyterLab, by document path (`Enclave:relay/space/doc`), with a signal-like
 * event when one starts or ends, so commands, the toolbar and the participants view can find the link of
 * the document in front of the person.
 */
import { ObservableV2 } from 'lib0/observable';
import type { DocumentLink } from './document-link.js';

export interface LinkRegistryEvents {
  added: (path: string, link: DocumentLink) => void;
  removed: (path: string, link: DocumentLink) => void;
}

export class LinkRegistry extends ObservableV2<LinkRegistryEvents> {
  private readonly links = new Map<string, DocumentLink>();

  get(path: string): DocumentLink | undefined {
    return this.links.get(path);
  }

  get paths(): string[] {
    return [...this.links.keys()];
  }

  /** Registers a link; a previous link for the same path is destroyed first. */
  add(path: string, link: DocumentLink): void {
    this.remove(path);
    this.links.set(path, link);
    this.emit('added', [path, link]);
  }

  /** Destroys and forgets the link of `path`, if any. */
  remove(path: string): void {
    const link = this.links.get(path);
    if (!link) return;
    this.links.delete(path);
    link.destroy();
    this.emit('removed', [path, link]);
  }

  override destroy(): void {
    for (const path of this.paths) this.remove(path);
    super.destroy();
  }
}
