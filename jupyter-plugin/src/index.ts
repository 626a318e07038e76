/**
 * Enclave's JupyterLab plugins. This file only wires: the classes live in their modules.
 */
import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ICommandPalette, Notification } from '@jupyterlab/apputils';
import { listIcon, searchIcon, usersIcon } from '@jupyterlab/ui-components';
import { EditorExtensionRegistry, IEditorExtensionRegistry } from '@jupyterlab/codemirror';
import type { Awareness } from 'y-protocols/awareness';
import type { Text as YText } from 'yjs';
import { remoteCursors } from './presence/remote-cursors.js';
import { browserWebSocket } from './browser-websocket.js';
import { EnclaveDrive } from './drive/enclave-drive.js';
import { drivePath } from './drive/enclave-path.js';
import { EnclaveService } from './enclave-service.js';
import { IdentityManager } from './identity/identity-manager.js';
import { browserIdentityStore } from './identity/identity-store.js';
import { joinLinkFromUrl, withoutJoinParam } from './governance/invites.js';
import { readSettings } from './settings.js';
import { CommandIds, IEnclave } from './tokens.js';
import { registerCommands } from './ui/commands.js';
import { askRetry, askText, reportError } from './ui/dialogs.js';
import { closeDocumentTabs, offerHelp } from './ui/error-help.js';
import { registerGovernanceCommands } from './ui/governance-commands.js';
import { askToSignAgreement } from './ui/governance-dialogs.js';
import { DirectoryPanel } from './ui/directory-panel.js';
import { RequestsPanel } from './ui/requests-panel.js';
import { EnclavePanel } from './ui/enclave-panel.js';
import { browseActions } from './ui/browse-actions.js';
import { EnclaveDocumentExtension } from './ui/document-extension.js';
import { ViewerCommandGate } from './ui/viewer-commands.js';
import { NotebookPanel } from '@jupyterlab/notebook';

const PLUGIN_ID = '@enclave/jupyter-plugin:plugin';

/** The service: identity, settings and the Enclave drive. */
const core: JupyterFrontEndPlugin<EnclaveService> = {
  id: PLUGIN_ID,
  description: 'Enclave identity, relay settings and the Enclave contents drive.',
  autoStart: true,
  provides: IEnclave,
  requires: [ISettingRegistry],
  activate: async (app: JupyterFrontEnd, registry: ISettingRegistry): Promise<EnclaveService> => {
    const identities = new IdentityManager(browserIdentityStore());
    const settings = await registry.load(PLUGIN_ID);
    const service = new EnclaveService({
      identities,
      WebSocket: browserWebSocket(),
      askName: async (suggested) =>
        (await askText('Create your Enclave identity', 'Your name, as collaborators will see it', suggested)) ?? '',
      agreement: askToSignAgreement,
      rememberRelay: async (entry) => {
        const relays = Array.isArray(settings.user['relays']) ? settings.user['relays'] : [];
        await settings.set('relays', [...relays, { name: entry.name, url: entry.url }]);
      },
    });
    const apply = (): void => {
      const { settings: read, problems } = readSettings(settings.composite);
      service.settings = read;
      for (const problem of problems) console.warn(`Enclave settings: ${problem}`);
    };
    settings.changed.connect(apply);
    apply();
    await identities.load();
    app.serviceManager.contents.addDrive(
      new EnclaveDrive({
        serverSettings: app.serviceManager.serverSettings,
        links: service.links,
        relayAddresses: (relay) => service.relayAddresses(relay),
        identity: () => service.identity(),
        awarenessUser: (identity) => service.awarenessUser(identity),
        WebSocket: service.WebSocket,
        agreement: service.agreementPrompt,
        listDocuments: (relay, space) => service.documents(relay, space),
        retryUnreachable: (path, error) => askRetry(`Opening ${path}`, error),
        explainFailure: async (location, error) => {
          const shown = await offerHelp(error, location, await service.identity(), app.commands);
          if (shown) closeDocumentTabs(app.shell, drivePath(location));
          return shown;
        },
      }),
    );
    return service;
  },
};

/** Commands, palette entries, and the presence bar / read-only guard on shared documents. */
const ui: JupyterFrontEndPlugin<void> = {
  id: '@enclave/jupyter-plugin:ui',
  description: 'Enclave commands, menu, toolbar button, presence and read-only viewers.',
  autoStart: true,
  requires: [IEnclave, IDocumentManager],
  optional: [ICommandPalette],
  activate: (
    app: JupyterFrontEnd,
    service: EnclaveService,
    docManager: IDocumentManager,
    palette: ICommandPalette | null,
  ) => {
    registerCommands(app, service, docManager);
    const browser = new EnclavePanel(service, browseActions(app, service, docManager));
    browser.title.icon = listIcon;
    app.shell.add(browser, 'left', { rank: 950 });
    // Refreshes on their own never ask the person to create an identity; the panel's button may.
    const refresh = (): void => void browser.refresh({ createIdentity: false });
    service.events.on('settings', refresh);
    // Joining, importing an identity or a request approved changes which spaces are this person's.
    const changesMembership = new Set<string>([CommandIds.join, CommandIds.importIdentity, CommandIds.requestAccess]);
    app.commands.commandExecuted.connect((_, { id, result }) => {
      if (changesMembership.has(id)) void result.then(refresh, refresh);
    });
    void app.restored.then(refresh);
    app.commands.addCommand(CommandIds.browse, {
      label: 'Browse Spaces',
      execute: () => {
        app.shell.activateById(browser.id);
        return browser.refresh();
      },
    });
    const requests = new RequestsPanel(service.requests, (title, error) => void reportError(title, error));
    requests.title.icon = usersIcon;
    app.shell.add(requests, 'right', { rank: 900 });
    registerGovernanceCommands(app, service, requests);
    const directory = new DirectoryPanel(service, app.commands, (title, error) => void reportError(title, error));
    directory.title.icon = searchIcon;
    app.shell.add(directory, 'left', { rank: 900 });
    app.commands.addCommand(CommandIds.directory, {
      label: 'Browse Directory…',
      caption: "The spaces listed on a relay's directory: who leads them, verified, and Ask to Join",
      execute: async (args) => {
        app.shell.activateById(directory.id);
        await directory.browse(typeof args['relay'] === 'string' ? args['relay'] : undefined);
        return { listings: directory.entries.length };
      },
    });
    service.requests.on('arrived', ({ space, request }) => {
      const origin = request.via === 'directory' ? ' from the directory' : '';
      Notification.info(
        `${request.name} (${request.fingerprint}) asks to join ${space}${origin}: "${request.message}"`,
        {
          autoClose: false,
          actions: [{ label: 'Review', callback: () => app.shell.activateById(requests.id) }],
        },
      );
    });
    const joinLink = joinLinkFromUrl(window.location.href);
    if (joinLink) {
      window.history.replaceState(window.history.state, '', withoutJoinParam(window.location.href));
      void app.restored.then(() => app.commands.execute(CommandIds.join, { link: joinLink }));
    }
    const gate = new ViewerCommandGate(app.commands, () => {
      const current = app.shell.currentWidget;
      return current instanceof NotebookPanel && (service.links.get(current.context.path)?.readOnly ?? false);
    });
    app.shell.currentChanged?.connect(() => gate.refresh());
    const extension = new EnclaveDocumentExtension(service, () => gate.refresh());
    app.docRegistry.addWidgetExtension('Notebook', extension);
    app.docRegistry.addWidgetExtension('Editor', extension);
    if (palette) {
      for (const command of Object.values(CommandIds)) palette.addItem({ command, category: 'Enclave' });
    }
  },
};

/** jupyter-collaboration's plugin that draws the same cursors; when present, it draws them instead. */
const COLLABORATION_CURSORS = '@jupyter/collaboration-extension:userEditorCursors';

/** Collaborators' cursors and selections in cell and file editors. */
const cursors: JupyterFrontEndPlugin<void> = {
  id: '@enclave/jupyter-plugin:cursors',
  description: "Shows collaborators' cursors and selections (names and colours stamped by the relay) in editors.",
  autoStart: true,
  requires: [IEnclave, IEditorExtensionRegistry],
  activate: (app: JupyterFrontEnd, service: EnclaveService, extensions: IEditorExtensionRegistry) => {
    if (app.hasPlugin(COLLABORATION_CURSORS)) return;
    extensions.addExtension({
      name: 'enclave:remote-cursors',
      factory: (options) => {
        const shared = options.model.sharedModel as unknown as { ysource?: YText; awareness?: Awareness | null };
        if (!service.settings.showRemoteCursors || !shared.ysource || !shared.awareness) return null;
        return EditorExtensionRegistry.createImmutableExtension(remoteCursors(shared.ysource, shared.awareness));
      },
    });
  },
};

export default [core, ui, cursors];
