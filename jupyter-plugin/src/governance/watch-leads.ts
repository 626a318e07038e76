/**
 * While a lead has a shared document of a space open, the request watcher holds that space's channel open,
 * so access requests reach them live. The hold is dropped when the document closes or the role changes.
 */
import type { Role } from '@enclave/shared';
import { parseLocation } from '../drive/enclave-path.js';
import type { DocumentLink } from '../session/document-link.js';
import type { LinkRegistry } from '../session/link-registry.js';
import type { RequestWatcher } from './request-watcher.js';

/** Starts following `links`; returns a function that stops. */
export function watchWhileLead(links: LinkRegistry, watcher: RequestWatcher): () => void {
  const held = new Map<DocumentLink, { relay: string; space: string; off: () => void }>();
  const release = (link: DocumentLink): void => {
    const hold = held.get(link);
    if (!hold) return;
    held.delete(link);
    hold.off();
  };
  const onAdded = (path: string, link: DocumentLink): void => {
    const { relay, space } = parseLocation(path);
    let watching = false;
    const onRole = (role: Role | null): void => {
      if (role === 'lead' && !watching) {
        watching = true;
        void watcher.watch(relay, space).catch(() => undefined);
      } else if (role !== 'lead' && watching) {
        watching = false;
        watcher.unwatch(relay, space);
      }
    };
    link.on('role', onRole);
    held.set(link, {
      relay,
      space,
      off: () => {
        link.off('role', onRole);
        if (watching) watcher.unwatch(relay, space);
      },
    });
    onRole(link.role);
  };
  const onRemoved = (_path: string, link: DocumentLink): void => release(link);
  links.on('added', onAdded);
  links.on('removed', onRemoved);
  return () => {
    links.off('added', onAdded);
    links.off('removed', onRemoved);
    for (const link of [...held.keys()]) release(link);
  };
}
