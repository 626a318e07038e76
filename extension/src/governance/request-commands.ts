/**
 * Access requests. A non-member asks to join (name, message); a cancellable progress notification shows the
 * wait, and the same connection is admitted when a lead approves, so the person is offered the documents
 * without reconnecting. Leads watch a space's requests live (see LeadWatch) and list, approve or deny them.
 */
import * as vscode from 'vscode';
import { type AccessRequestInfo, EnclaveConnection, type Role } from '@enclave/shared';
import { pickName, pickRelay } from '../commands/pickers.js';
import { ensureIdentity } from '../identity/identity-commands.js';
import type { Services } from '../services.js';
import { globalWebSocket, relayAddresses } from '../session/connect.js';
import { passAgreement } from '@enclave/shared';
import type { LeadWatch } from './lead-watch.js';
import { offerDocuments } from './offer-documents.js';
import { onSpace, type SpaceArgs, targetSpace } from './target.js';

export interface RequestAccessArgs extends SpaceArgs {
  readonly message?: string;
  /** The name leads see (default: the identity's). */
  readonly name?: string;
  /** Open this document once approved (otherwise the person picks one). */
  readonly document?: string;
  /** Asked from the space's listing in the directory (leads see where the request came from). */
  readonly via?: 'directory';
}

export type RequestOutcome =
  | {
      readonly outcome: 'approved';
      readonly role: Role | null;
      readonly documents: readonly string[];
      readonly opened?: string;
    }
  | { readonly outcome: 'refused'; readonly reason: string }
  | { readonly outcome: 'cancelled' };

export interface RequestsArgs extends SpaceArgs {
  readonly action?: 'list' | 'approve' | 'deny';
  readonly id?: string;
  readonly role?: Role;
}

async function requestAccess(services: Services, args: RequestAccessArgs): Promise<RequestOutcome | undefined> {
  const identity = await ensureIdentity(services.identities);
  const relay = args.relay ?? (identity ? await pickRelay() : undefined);
  const space = args.space ?? (relay ? await pickName('space') : undefined);
  const message =
    args.message ??
    (space
      ? await vscode.window.showInputBox({ title: `Enclave: a message for the leads of ${space}`, value: '' })
      : undefined);
  if (!identity || !relay || !space || message === undefined) return undefined;
  const connection = new EnclaveConnection({
    ...relayAddresses(relay),
    room: { space },
    identity,
    WebSocket: globalWebSocket(),
    reconnect: false,
    accessRequest: { name: args.name ?? identity.name, message, ...(args.via ? { via: args.via } : {}) },
  });
  try {
    const admitted = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `Enclave: asking the leads of ${space} to let you in`,
        cancellable: true,
      },
      async (progress, token) => {
        connection.on('access-pending', () => progress.report({ message: 'waiting for a lead to answer…' }));
        token.onCancellationRequested(() => connection.close());
        connection.connect();
        try {
          return await passAgreement(connection, { relay, space }, services.agreements.ask);
        } catch (error) {
          if (token.isCancellationRequested) return undefined;
          throw error;
        }
      },
    );
    if (!admitted) return { outcome: 'cancelled' };
    const { documents } = await connection.request({ op: 'documents.list' });
    connection.close();
    void vscode.window.showInformationMessage(`Enclave: a lead let you into ${space} as ${admitted.role ?? 'member'}.`);
    const opened = await offerDocuments(relay, space, documents, args.document);
    return {
      outcome: 'approved',
      role: admitted.role,
      documents: documents.map((d) => d.name),
      ...(opened ? { opened } : {}),
    };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    void vscode.window.showWarningMessage(`Enclave: ${space} did not let you in (${reason}).`);
    return { outcome: 'refused', reason };
  } finally {
    connection.close();
  }
}

function describe(request: AccessRequestInfo): { label: string; description: string; detail: string } {
  return { label: request.name, description: `${request.fingerprint} · ${request.created}`, detail: request.message };
}

export function registerRequestCommands(services: Services, leads: LeadWatch): vscode.Disposable {
  return vscode.Disposable.from(
    vscode.commands.registerCommand('enclave.requestAccess', (args: RequestAccessArgs = {}) =>
      requestAccess(services, args),
    ),
    vscode.commands.registerCommand('enclave.watchRequests', async (args: SpaceArgs & { stop?: boolean } = {}) => {
      const target = await targetSpace(services, args);
      if (!target) return false;
      if (args.stop) {
        leads.unwatch(target);
        return false;
      }
      const lead = await leads.watch(target);
      if (lead) void vscode.window.showInformationMessage(`Enclave: watching access requests to ${target.space}.`);
      else void vscode.window.showWarningMessage(`Enclave: only a lead of ${target.space} sees its access requests.`);
      return lead;
    }),
    vscode.commands.registerCommand('enclave.accessRequests', async (args: RequestsArgs = {}) => {
      const target = await targetSpace(services, args);
      if (!target) return undefined;
      return onSpace(services, target, async (channel) => {
        if (args.action === 'approve' && args.id) {
          return (await channel.request({ op: 'requests.approve', id: args.id, role: args.role ?? 'editor' })).request;
        }
        if (args.action === 'deny' && args.id)
          return (await channel.request({ op: 'requests.deny', id: args.id })).request;
        const { requests } = await channel.request({ op: 'requests.list', status: 'pending' });
        if (args.action === 'list') return requests;
        if (requests.length === 0) {
          void vscode.window.showInformationMessage(`Enclave: no pending access requests to ${target.space}.`);
          return requests;
        }
        const picked = await vscode.window.showQuickPick(
          requests.map((request) => ({ ...describe(request), request })),
          { title: `Enclave: access requests to ${target.space}` },
        );
        if (!picked) return undefined;
        const choice = await vscode.window.showQuickPick(
          ['Approve as editor', 'Approve as viewer', 'Approve as lead', 'Deny'],
          {
            title: `${picked.request.name} (${picked.request.fingerprint})`,
          },
        );
        if (!choice) return undefined;
        if (choice === 'Deny') return (await channel.request({ op: 'requests.deny', id: picked.request.id })).request;
        const role = choice.slice('Approve as '.length) as Role;
        return (await channel.request({ op: 'requests.approve', id: picked.request.id, role })).request;
      });
    }),
  );
}
