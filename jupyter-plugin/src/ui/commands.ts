/**
 * Enclave's commands: open a shared document, share the current notebook or text file, leave, see who is
 * there, manage a space's access list, and the identity (show, export, import).
 */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import type { IDocumentManager } from '@jupyterlab/docmanager';
import type { IDocumentWidget } from '@jupyterlab/docregistry';
import { Notification } from '@jupyterlab/apputils';
import { NotebookPanel } from '@jupyterlab/notebook';
import { isPublicKeyText, isRole, ROLES, type NotebookContent } from '@enclave/shared';
import { DRIVE_NAME, drivePath, parseLocation, resolveTarget, type EnclaveLocation } from '../drive/enclave-path.js';
import type { EnclaveService } from '../enclave-service.js';
import { participantsOf } from '../presence/participants.js';
import { CommandIds } from '../tokens.js';
import {
  askChoice,
  askText,
  type CommandArgs as Args,
  confirm,
  downloadText,
  guarded,
  pickTextFile,
  showMembers,
  showParticipants,
  showText,
} from './dialogs.js';

export function registerCommands(app: JupyterFrontEnd, service: EnclaveService, docManager: IDocumentManager): void {
  const { commands, shell } = app;
  const relayNames = (): string[] => service.settings.relays.map((r) => r.name);

  const currentDocument = (): IDocumentWidget | undefined => {
    const widget = shell.currentWidget;
    return widget && docManager.contextForWidget(widget) ? (widget as IDocumentWidget) : undefined;
  };
  const currentEnclavePath = (): string | undefined => {
    const widget = currentDocument();
    const path = widget?.context.path;
    return path?.startsWith(`${DRIVE_NAME}:`) ? path : undefined;
  };
  const askTarget = async (title: string, suggested: string): Promise<EnclaveLocation | undefined> => {
    const names = relayNames();
    if (names.length === 0) throw new Error('add a relay in Settings > Enclave first');
    const hint = names.length === 1 ? 'SPACE/DOCUMENT' : 'RELAY/SPACE/DOCUMENT';
    const text = await askText(title, `Document (${hint}; relays: ${names.join(', ')})`, suggested, hint);
    return text ? resolveTarget(text, names) : undefined;
  };
  const askSpace = async (args: Args): Promise<{ relay: string; space: string } | undefined> => {
    if (typeof args['space'] === 'string') {
      const location = resolveTarget(`${String(args['space'])}/x`, relayNames());
      return { relay: location.relay, space: location.space };
    }
    const current = currentEnclavePath();
    const suggested = current ? parseLocation(current).space : '';
    const text = await askText('Enclave space', 'Space (or RELAY/SPACE)', suggested);
    if (!text) return undefined;
    const location = resolveTarget(`${text}/x`, relayNames());
    return { relay: location.relay, space: location.space };
  };
  commands.addCommand(CommandIds.open, {
    label: 'Open Shared Document…',
    caption: 'Open a notebook or draft from an Enclave space',
    execute: guarded('Cannot open the shared document', async (args) => {
      const location =
        typeof args['path'] === 'string'
          ? resolveTarget(args['path'], relayNames())
          : await askTarget('Open shared document', '');
      if (!location) return undefined;
      return docManager.openOrReveal(drivePath(location));
    }),
  });

  commands.addCommand(CommandIds.share, {
    label: 'Share into Enclave…',
    caption: 'Share this notebook or text file into a new document of an Enclave space',
    isEnabled: () => !!currentDocument() && !currentEnclavePath(),
    execute: guarded('Cannot share', async (args) => {
      const widget =
        typeof args['path'] === 'string'
          ? (docManager.findWidget(args['path']) as IDocumentWidget | undefined)
          : currentDocument();
      if (!widget) throw new Error('open a notebook or a text file to share');
      if (widget.context.path.startsWith(`${DRIVE_NAME}:`)) throw new Error('this document is already shared');
      const context = widget.context;
      await context.ready;
      const name = context.path.split('/').pop() ?? 'document';
      const location =
        typeof args['target'] === 'string'
          ? resolveTarget(args['target'], relayNames())
          : await askTarget(
              'Share into Enclave',
              typeof args['space'] === 'string' ? `${args['space']}/${name}` : name,
            );
      if (!location || location.document === undefined) return undefined;
      const content =
        widget instanceof NotebookPanel && widget.content.model
          ? { kind: 'notebook' as const, notebook: widget.content.model.toJSON() as NotebookContent }
          : { kind: 'draft' as const, text: context.model.toString() };
      const forceReplace = args['replace'] === true;
      await service.share(
        { ...location, document: location.document },
        content,
        async () =>
          forceReplace ||
          confirm(
            'Replace the shared document?',
            `${location.space}/${location.document} already has content. Replace it with ${name} for everyone?`,
            'Replace',
          ),
      );
      return docManager.openOrReveal(drivePath(location));
    }),
  });

  commands.addCommand(CommandIds.leave, {
    label: 'Leave Shared Document',
    isEnabled: () => !!currentEnclavePath(),
    execute: guarded('Cannot leave', async () => {
      const widget = currentDocument();
      if (widget && currentEnclavePath()) await widget.context.save().catch(() => undefined);
      widget?.close();
    }),
  });

  commands.addCommand(CommandIds.participants, {
    label: 'Participants',
    isEnabled: () => !!currentEnclavePath(),
    execute: guarded('Cannot list participants', async () => {
      const path = currentEnclavePath();
      const link = path ? service.links.get(path) : undefined;
      if (!link) throw new Error('the current document is not a shared one');
      const participants = participantsOf(link.awareness, service.identities.current?.publicKey);
      await showParticipants(link.name, participants);
      return participants;
    }),
  });

  commands.addCommand(CommandIds.members, {
    label: 'Members of a Space…',
    execute: guarded('Cannot list members', async (args) => {
      const target = await askSpace(args);
      if (!target) return undefined;
      const members = await service.members(target.relay, target.space);
      if (args['silent'] !== true) await showMembers(target.space, members);
      return members;
    }),
  });

  commands.addCommand(CommandIds.grant, {
    label: 'Grant Access or Change Role…',
    execute: guarded('Cannot grant access', async (args) => {
      const target = await askSpace(args);
      if (!target) return undefined;
      const key =
        typeof args['publicKey'] === 'string'
          ? args['publicKey']
          : await askText('Grant access', 'Public key (ed25519:…)');
      if (!key) return undefined;
      if (!isPublicKeyText(key)) throw new Error(`"${key}" is not an ed25519: public key`);
      const role =
        typeof args['role'] === 'string' ? args['role'] : await askChoice('Grant access', 'Role', [...ROLES], 'editor');
      if (!role) return undefined;
      if (!isRole(role)) throw new Error(`"${role}" is not a role (${ROLES.join(', ')})`);
      const name =
        typeof args['name'] === 'string' ? args['name'] : await askText('Grant access', 'Display name (optional)');
      return service.grant(target.relay, target.space, key, role, name || undefined);
    }),
  });

  commands.addCommand(CommandIds.revoke, {
    label: 'Revoke Access…',
    execute: guarded('Cannot revoke access', async (args) => {
      const target = await askSpace(args);
      if (!target) return undefined;
      const key =
        typeof args['publicKey'] === 'string'
          ? args['publicKey']
          : await askText('Revoke access', 'Public key (ed25519:…)');
      if (!key) return undefined;
      if (!isPublicKeyText(key)) throw new Error(`"${key}" is not an ed25519: public key`);
      if (
        args['publicKey'] === undefined &&
        !(await confirm(
          'Revoke access',
          `Remove ${key} from ${target.space}? Their connections close at once.`,
          'Revoke',
        ))
      ) {
        return undefined;
      }
      return service.revoke(target.relay, target.space, key);
    }),
  });

  commands.addCommand(CommandIds.showIdentity, {
    label: 'Show My Identity',
    execute: guarded('Enclave identity', async (args) => {
      const summary = await service.identities.summary(await service.identity());
      if (!summary) return undefined;
      if (args['silent'] !== true) {
        await showText('Your Enclave identity', [
          `Name:        ${summary.name}`,
          `Public key:  ${summary.publicKey}`,
          `Fingerprint: ${summary.fingerprint}`,
          '',
          'Give the public key to a space lead to be granted access.',
          service.identities.store.kind === 'memory'
            ? 'This browser cannot store it: export it before closing the page.'
            : '',
        ]);
      }
      return summary;
    }),
  });

  commands.addCommand(CommandIds.exportIdentity, {
    label: 'Export Identity File…',
    execute: guarded('Cannot export the identity', async () => {
      const identity = await service.identity();
      downloadText(
        `${identity.name.replace(/[^A-Za-z0-9._-]+/g, '-') || 'enclave'}.identity.json`,
        service.identities.exportText(),
      );
    }),
  });

  commands.addCommand(CommandIds.importIdentity, {
    label: 'Import Identity File…',
    execute: guarded('Cannot import the identity', async (args) => {
      const text = typeof args['text'] === 'string' ? args['text'] : await pickTextFile('.json,application/json');
      if (!text) return undefined;
      if (service.identities.current && args['text'] === undefined) {
        const ok = await confirm(
          'Replace your identity?',
          'This browser will connect as the imported identity from now on.',
          'Import',
        );
        if (!ok) return undefined;
      }
      const summary = await service.identities.summary(await service.identities.importText(text));
      // Say what was imported: the name others will see and the fingerprint a lead checks the key by.
      if (summary) {
        Notification.success(
          `Imported the Enclave identity "${summary.name}" (${summary.fingerprint}): this browser connects as them from now on.`,
          { autoClose: 8000 },
        );
      }
      return summary;
    }),
  });
}
