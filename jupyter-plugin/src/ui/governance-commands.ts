/**
 * Commands for bringing people in and keeping a record: invites (create, join), access requests (ask,
 * watch and answer), the space's agreement (set, signatures) and the audit log. Leads' commands are refused
 * by the relay for everyone else; the error says so.
 */
import type { JupyterFrontEnd } from '@jupyterlab/application';
import { PageConfig } from '@jupyterlab/coreutils';
import { auditJsonLines, isRole, parseDuration, ROLES } from '@enclave/shared';
import { DRIVE_NAME, parseLocation } from '../drive/enclave-path.js';
import type { EnclaveService } from '../enclave-service.js';
import { AUDIT_HEADER, auditRows } from '../governance/audit.js';
import { type Joined, labJoinUrl, parseInviteLink } from '../governance/invites.js';
import { CommandIds } from '../tokens.js';
import { AccessRequestView } from './access-request-view.js';
import { askChoice, askText, type CommandArgs as Args, downloadText, guarded, showText } from './dialogs.js';
import { askMultiline, showInviteLink, showTable } from './governance-dialogs.js';
import type { RequestsPanel } from './requests-panel.js';
import { askSpace } from './targets.js';

export function registerGovernanceCommands(app: JupyterFrontEnd, service: EnclaveService, panel: RequestsPanel): void {
  const { commands, shell } = app;
  const relayNames = (): string[] => service.settings.relays.map((r) => r.name);
  const currentSpace = (): string => {
    const path = (shell.currentWidget as { context?: { path?: string } } | null)?.context?.path;
    return path?.startsWith(`${DRIVE_NAME}:`) ? parseLocation(path).space : '';
  };
  const space = (args: Args, title?: string) => askSpace(args, relayNames(), currentSpace(), title);
  const openDocument = (relay: string, spaceName: string, document: string): Promise<unknown> =>
    commands.execute(CommandIds.open, { path: `${relay}/${spaceName}/${document}` });
  const nameOf = async (relay: string, spaceName: string): Promise<(key: string) => string> => {
    const members = await service.members(relay, spaceName).catch(() => []);
    return (key) => {
      const member = members.find((m) => m.publicKey === key);
      return member ? `${member.name} (${member.fingerprint})` : key;
    };
  };

  commands.addCommand(CommandIds.createInvite, {
    label: 'Create Invite…',
    caption: 'A one-time link that lets one person join a space with a role (leads)',
    execute: guarded('Cannot create the invite', async (args) => {
      const target = await space(args, 'Create invite');
      if (!target) return undefined;
      const role =
        typeof args['role'] === 'string'
          ? args['role']
          : await askChoice('Create invite', 'Role', [...ROLES], 'editor');
      if (!role) return undefined;
      if (!isRole(role)) throw new Error(`"${role}" is not a role (${ROLES.join(', ')})`);
      const expires =
        typeof args['expires'] === 'string'
          ? args['expires']
          : await askText('Create invite', 'Expires in (e.g. 30m, 24h, 7d)', '24h');
      if (!expires) return undefined;
      const { invite, link } = await service.createInvite(target.relay, target.space, role, parseDuration(expires));
      const labUrl = labJoinUrl(PageConfig.getBaseUrl(), parseInviteLink(link));
      if (args['silent'] !== true) {
        await showInviteLink(
          `Invite to ${target.space}`,
          `One person may join ${target.space} as ${invite.role} with this link until ${invite.expires}. ` +
            'Send it privately: whoever opens it first gets in.',
          [
            { label: 'Invite link (JupyterLab, VS Code, enclave join)', url: link },
            { label: 'Open in this JupyterLab', url: labUrl },
          ],
        );
      }
      return { link, labUrl, id: invite.id, role: invite.role, expires: invite.expires };
    }),
  });

  commands.addCommand(CommandIds.invites, {
    label: 'Invites…',
    caption: "A space's invites, open, used, expired or revoked; revoke an open one (leads)",
    execute: guarded('Cannot manage the invites', async (args) => {
      const target = await space(args, 'Invites');
      if (!target) return undefined;
      if (typeof args['revoke'] === 'string') return service.revokeInvite(target.relay, target.space, args['revoke']);
      const invites = await service.invites(target.relay, target.space);
      if (args['silent'] === true) return invites;
      const name = await nameOf(target.relay, target.space);
      const open = invites.filter((invite) => invite.status === 'open');
      const revokeLabel = 'Revoke an Open Invite…';
      const pressed = await showTable(
        `Invites to ${target.space} (${invites.length})`,
        ['Id', 'Role', 'Status', 'Created', 'Expires', 'By', 'Used by'],
        invites.map((i) => [
          i.id,
          i.role,
          i.status,
          i.created,
          i.expires,
          name(i.createdBy),
          i.usedBy ? `${name(i.usedBy)} at ${i.usedAt ?? '?'}` : '',
        ]),
        'enclave-invites',
        open.length > 0 ? revokeLabel : undefined,
      );
      if (pressed !== revokeLabel) return invites;
      const choices = open.map((i) => `${i.id} (${i.role}, until ${i.expires})`);
      const chosen = await askChoice(`Revoke an invite to ${target.space}`, 'Invite', choices, choices[0]!);
      if (!chosen) return invites;
      const revoked = await service.revokeInvite(target.relay, target.space, open[choices.indexOf(chosen)]!.id);
      await showText(`Invite ${revoked.id} revoked`, [`Its link now admits nobody.`]);
      return service.invites(target.relay, target.space);
    }),
  });

  commands.addCommand(CommandIds.join, {
    label: 'Join with Invite Link…',
    caption: 'Join a space with an invite link a lead sent you',
    execute: guarded('Cannot join with the invite', async (args) => {
      const text =
        typeof args['link'] === 'string'
          ? args['link']
          : await askText('Join with an invite', 'Invite link', '', 'enclave://join?relay=…&space=…&invite=…');
      if (!text) return undefined;
      const joined = await service.join(text);
      if (args['silent'] !== true) await offerDocuments(joined);
      return joined;
    }),
  });

  const offerDocuments = async (joined: Joined): Promise<void> => {
    const title = `Joined ${joined.space} as ${joined.role ?? 'admin'}`;
    const names = joined.documents.map((d) => d.name);
    if (names.length === 0) {
      await showText(title, ['The space has no documents yet.']);
      return;
    }
    const chosen = await askChoice(title, 'Open a document of the space', names, names[0]!);
    if (chosen) await openDocument(joined.relay, joined.space, chosen);
  };

  commands.addCommand(CommandIds.requestAccess, {
    label: 'Request Access…',
    caption: "Ask a space's leads to let you in (they see your name, key fingerprint and message)",
    execute: guarded('Cannot request access', async (args) => {
      const target = await space(args, 'Request access');
      if (!target) return undefined;
      const message =
        typeof args['message'] === 'string'
          ? args['message']
          : await askText('Request access', `A message for the leads of ${target.space} (optional)`);
      if (message === undefined) return undefined;
      const via = args['via'] === 'directory' ? 'directory' : undefined;
      const request = await service.requestAccess(target.relay, target.space, message, via);
      const view = new AccessRequestView(request, (document) => {
        void openDocument(target.relay, target.space, document);
      });
      const existing = [...shell.widgets('main')].find((w) => w.id === view.id);
      existing?.dispose();
      shell.add(view, 'main');
      shell.activateById(view.id);
      return { relay: target.relay, space: target.space, widgetId: view.id };
    }),
  });

  commands.addCommand(CommandIds.watchRequests, {
    label: 'Watch Access Requests…',
    caption: "Show a space's pending access requests live, to approve or deny (leads)",
    execute: guarded('Cannot watch access requests', async (args) => {
      const target = await space(args, 'Watch access requests');
      if (!target) return undefined;
      await service.requests.watch(target.relay, target.space);
      const problem = service.requests.problemOf(target.relay, target.space);
      shell.activateById(panel.id);
      if (problem) throw new Error(problem);
      return { pending: service.requests.pending.length };
    }),
  });

  commands.addCommand(CommandIds.setAgreement, {
    label: 'Set Space Agreement…',
    caption: 'The text members must read and sign before they get any content (leads)',
    execute: guarded('Cannot set the agreement', async (args) => {
      const target = await space(args, 'Set space agreement');
      if (!target) return undefined;
      let text: string | undefined;
      if (typeof args['text'] === 'string') text = args['text'];
      else {
        const current = await service.agreement(target.relay, target.space).catch(() => undefined);
        text = await askMultiline(
          `Agreement of ${target.space}`,
          'Members read and sign this text with their key before the relay sends them any content. ' +
            'Changing it asks everyone to sign again.',
          current?.agreement?.text ?? '',
        );
      }
      if (text === undefined) return undefined;
      if (!text.trim()) throw new Error('the agreement text is empty');
      const agreement = await service.setAgreement(target.relay, target.space, text);
      return { version: agreement.version, hash: agreement.hash };
    }),
  });

  commands.addCommand(CommandIds.signatures, {
    label: 'Agreement Signatures…',
    caption: "Who signed which version of the space's agreement, and when (leads)",
    execute: guarded('Cannot list the signatures', async (args) => {
      const target = await space(args, 'Agreement signatures');
      if (!target) return undefined;
      const signatures = await service.signatures(target.relay, target.space);
      if (args['silent'] !== true) {
        const name = await nameOf(target.relay, target.space);
        await showTable(
          `Agreement signatures in ${target.space}`,
          ['Version', 'Signed', 'Member', 'SHA-256'],
          signatures.map((s) => [String(s.version), s.signed, name(s.publicKey), s.hash.slice(0, 16)]),
          'enclave-signatures',
        );
      }
      return signatures;
    }),
  });

  commands.addCommand(CommandIds.audit, {
    label: 'Space Audit Log…',
    caption: "The space's log: joins, grants, revokes, invites, requests, signatures, refusals (leads)",
    execute: guarded('Cannot show the audit log', async (args) => {
      const target = await space(args, 'Space audit log');
      if (!target) return undefined;
      const { entries, members } = await service.audit(target.relay, target.space);
      const fileName = `${target.space}-audit.jsonl`;
      if (args['export'] === true) downloadText(fileName, auditJsonLines(entries));
      else if (args['silent'] !== true) {
        const names = new Map<string, string>(members.map((m) => [m.publicKey, m.name]));
        const rows = auditRows(entries, names);
        const exportLabel = 'Export JSON Lines';
        const pressed = await showTable(
          `Audit log of ${target.space} (${rows.length})`,
          [...AUDIT_HEADER],
          rows,
          'enclave-audit',
          exportLabel,
        );
        if (pressed === exportLabel) downloadText(fileName, auditJsonLines(entries));
      }
      return entries;
    }),
  });
}
