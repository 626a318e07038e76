/**
 * What the Enclave panel's buttons do in JupyterLab: open a document of the drive, create an empty notebook
 * or draft in a space (a new document only: an existing one is never replaced from here), and share the
 * file in front of the person into a space through the share command.
 */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import type { IDocumentManager } from '@jupyterlab/docmanager';
import { drivePath } from '../drive/enclave-path.js';
import type { EnclaveService } from '../enclave-service.js';
import type { LocalContent } from '../session/publish.js';
import { CommandIds } from '../tokens.js';
import { askText, reportError } from './dialogs.js';
import type { EnclavePanelActions } from './enclave-panel.js';

const EMPTY: Record<'notebook' | 'draft', LocalContent> = {
  notebook: {
    kind: 'notebook',
    notebook: {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {},
      cells: [{ id: 'first', cell_type: 'code', source: '', metadata: {}, outputs: [], execution_count: null }],
    },
  },
  draft: { kind: 'draft', text: '' },
};

export function browseActions(
  app: JupyterFrontEnd,
  service: EnclaveService,
  docManager: IDocumentManager,
): EnclavePanelActions {
  return {
    open: async (relay, space, document) => docManager.openOrReveal(drivePath({ relay, space, document })),
    create: async (relay, space, kind) => {
      const suggested = kind === 'notebook' ? 'untitled.ipynb' : 'notes.md';
      const document = await askText(`New ${kind} in ${space}`, 'Document name', suggested);
      if (!document) return undefined;
      const location = { relay, space, document };
      await service.share(location, EMPTY[kind], async () => false);
      return docManager.openOrReveal(drivePath(location));
    },
    shareCurrent: (relay, space) => app.commands.execute(CommandIds.share, { space: `${relay}/${space}` }),
    report: (title, error) => void reportError(title, error),
  };
}
