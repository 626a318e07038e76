/**
 * Invites: a lead creates a one-time link for a role with an expiry; whoever opens it in VS Code (command or
 * `vscode://enclave.enclave-vscode/join?...`) joins the space with that role and is offered its documents.
 * A used, expired or revoked invite admits nobody; the relay's reason is shown.
 */
import * as vscode from 'vscode';
import {
  createInvite,
  EnclaveConnection,
  linkAddresses,
  newInviteLink,
  parseLink,
  type Role,
  ROLES,
} from '@enclave/shared';
import { ensureIdentity } from '../identity/identity-commands.js';
import type { Services } from '../services.js';
import { EXTENSION_ID } from '../session/address.js';
import { globalWebSocket, relayAddresses } from '../session/connect.js';
import { passAgreement } from '@enclave/shared';
import { expirySeconds, inviteLinks } from './format.js';
import { offerDocuments } from './offer-documents.js';
import { onSpace, type SpaceArgs, targetSpace } from './target.js';

export interface CreateInviteArgs extends SpaceArgs {
  readonly role?: Role;
  /** Seconds, or a duration such as `24h`. */
  readonly expires?: number | string;
}

export interface InvitesArgs extends SpaceArgs {
  readonly action?: 'list' | 'revoke';
  readonly id?: string;
}

export interface JoinArgs {
  readonly link?: string;
  /** Open this document once joined (otherwise the person picks one). */
  readonly document?: string;
}

const EXPIRIES = ['1h', '24h', '7d', '30d'];

export function registerInviteCommands(services: Services): vscode.Disposable {
  return vscode.Disposable.from(
    vscode.commands.registerCommand('enclave.createInvite', async (args: CreateInviteArgs = {}) => {
      const target = await targetSpace(services, args);
      if (!target) return undefined;
      const role =
        args.role ??
        ((await vscode.window.showQuickPick([...ROLES].reverse(), { title: 'Enclave: invite as' })) as
          Role | undefined);
      const expires =
        args.expires ??
        (role ? await vscode.window.showQuickPick(EXPIRIES, { title: 'Enclave: valid for' }) : undefined);
      if (!role || expires === undefined) return undefined;
      // shared's createInvite: in a sealed space the link also carries the invite's admission secret.
      const created = await onSpace(services, target, (channel) => createInvite(channel, role, expirySeconds(expires)));
      const { invite, token } = created;
      const link = newInviteLink({ relay: target.relay }, target.space, created);
      const links = inviteLinks(link, vscode.env.uriScheme, EXTENSION_ID);
      const COPY_VSCODE = 'Copy VS Code link';
      const COPY_ENCLAVE = 'Copy enclave:// link';
      void vscode.window
        .showInformationMessage(
          `Enclave: one-time invite to ${target.space} as ${role}, valid until ${invite.expires}.\n${links.enclave}`,
          COPY_VSCODE,
          COPY_ENCLAVE,
        )
        .then(async (choice) => {
          if (choice) await vscode.env.clipboard.writeText(choice === COPY_VSCODE ? links.vscode : links.enclave);
        });
      return { invite, token, links };
    }),
    vscode.commands.registerCommand('enclave.invites', async (args: InvitesArgs = {}) => {
      const target = await targetSpace(services, args);
      if (!target) return undefined;
      return onSpace(services, target, async (channel) => {
        if (args.action === 'revoke' && args.id) {
          return (await channel.request({ op: 'invites.revoke', id: args.id })).invite;
        }
        const { invites } = await channel.request({ op: 'invites.list' });
        if (args.action === 'list') return invites;
        const picked = await vscode.window.showQuickPick(
          invites.map((invite) => ({
            label: `${invite.role} · ${invite.status}`,
            description: `expires ${invite.expires}`,
            detail: invite.status === 'open' ? 'Pick to revoke' : `id ${invite.id}`,
            invite,
          })),
          { title: `Enclave: invites to ${target.space}` },
        );
        if (picked?.invite.status !== 'open') return undefined;
        const revoke = await vscode.window.showWarningMessage(
          `Revoke this ${picked.invite.role} invite? Its link will admit nobody.`,
          { modal: true },
          'Revoke',
        );
        return revoke ? (await channel.request({ op: 'invites.revoke', id: picked.invite.id })).invite : undefined;
      });
    }),
    vscode.commands.registerCommand('enclave.joinInvite', async (input?: string | JoinArgs) => {
      const args: JoinArgs = typeof input === 'string' ? { link: input } : (input ?? {});
      const text =
        args.link ??
        (await vscode.window.showInputBox({
          title: 'Enclave: paste an invite link',
          placeHolder: 'enclave://join?...',
        }));
      const identity = await ensureIdentity(services.identities);
      if (!text || !identity) return undefined;
      const link = parseLink(text);
      if (link.kind === 'open') {
        return vscode.commands.executeCommand('enclave.open', {
          relay: link.relay,
          space: link.space,
          document: link.document,
        });
      }
      const connection = new EnclaveConnection({
        ...relayAddresses(link.relay, linkAddresses(link)),
        room: { space: link.space },
        identity,
        WebSocket: globalWebSocket(),
        reconnect: false,
        invite: link.token,
        ...(link.admit ? { inviteSecret: link.admit } : {}),
      }).connect();
      try {
        const welcome = await vscode.window.withProgress(
          { location: vscode.ProgressLocation.Notification, title: `Enclave: joining ${link.space}` },
          () => passAgreement(connection, { relay: link.relay, space: link.space }, services.agreements.ask),
        );
        const { documents } = await connection.request({ op: 'documents.list' });
        connection.close();
        void vscode.window.showInformationMessage(`Enclave: you joined ${link.space} as ${welcome.role ?? 'member'}.`);
        const opened = await offerDocuments(link.relay, link.space, documents, args.document);
        return { space: link.space, role: welcome.role, documents: documents.map((d) => d.name), opened };
      } finally {
        connection.close();
      }
    }),
  );
}
