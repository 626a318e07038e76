/** The Enclave Spaces view's commands: add a space, refresh, new notebook or draft, share a local file. */
import * as vscode from 'vscode';
import type { DocumentKind } from '@enclave/shared';
import { pickName, pickRelay } from '../commands/pickers.js';
import { ensureIdentity } from '../identity/identity-commands.js';
import type { Services } from '../services.js';
import { checkAddress } from '../session/address.js';
import { connect } from '../session/connect.js';
import { KnownSpaces } from './known-spaces.js';
import { type BrowseNode, SpacesView } from './spaces-view.js';

/** A space, from the view's node or from arguments (scripts, tests). */
interface SpaceArgs {
  readonly relay?: string;
  readonly space?: string;
  readonly document?: string;
  readonly kind?: DocumentKind;
}

function spaceOf(arg: BrowseNode | SpaceArgs | undefined): SpaceArgs {
  if (arg && 'kind' in arg && (arg.kind === 'space' || arg.kind === 'section')) {
    return { relay: arg.relay, space: arg.space };
  }
  return (arg as SpaceArgs | undefined) ?? {};
}

export function registerBrowse(services: Services, state: vscode.Memento): { view: SpacesView } & vscode.Disposable {
  const known = new KnownSpaces(state, services.sessions);
  const view = new SpacesView(known, services.sessions, () => services.identities.get());
  const disposable = vscode.Disposable.from(
    known,
    view,
    vscode.commands.registerCommand('enclave.addSpace', async (args: SpaceArgs = {}) => {
      const relay = args.relay ?? (await pickRelay());
      const space = args.space ?? (relay ? await pickName('space') : undefined);
      if (!relay || !space) return false;
      await known.add(relay, space);
      return true;
    }),
    vscode.commands.registerCommand('enclave.refreshSpaces', () => view.refresh()),
    vscode.commands.registerCommand('enclave.newDocument', async (arg?: BrowseNode | SpaceArgs) => {
      const given = spaceOf(arg);
      const relay = given.relay ?? (await pickRelay());
      const space = given.space ?? (relay ? await pickName('space') : undefined);
      const kind =
        given.kind ??
        (
          await vscode.window.showQuickPick(
            [
              { label: 'Notebook', documentKind: 'notebook' as const },
              { label: 'Draft (text)', documentKind: 'draft' as const },
            ],
            { title: 'Enclave: new document' },
          )
        )?.documentKind;
      const document =
        given.document ??
        (kind ? await pickName('document', kind === 'notebook' ? 'untitled.ipynb' : 'notes.md') : undefined);
      const identity = await ensureIdentity(services.identities);
      if (!relay || !space || !kind || !document || !identity) return undefined;
      const address = checkAddress({ relay, space, document });
      const channel = connect(address.relay, { space, document }, identity);
      try {
        await channel.whenWelcomed();
        await channel.request({ op: 'document.create', kind });
      } finally {
        channel.close();
      }
      view.refresh();
      return vscode.commands.executeCommand<string | undefined>('enclave.open', address);
    }),
    vscode.commands.registerCommand('enclave.shareIntoSpace', (arg?: BrowseNode | SpaceArgs) => {
      const { relay, space } = spaceOf(arg);
      return vscode.commands.executeCommand('enclave.share', { relay, space });
    }),
  );
  return { view, dispose: () => disposable.dispose() };
}
