/**
 * The space's audit log for leads: read as a table in a read-only editor, exported as JSON lines through
 * a save dialog and `vscode.workspace.fs` (so it works in VS Code for the web too).
 */
import * as vscode from 'vscode';
import { type AuditEntry, auditJsonLines, type EnclaveConnection } from '@enclave/shared';
import type { Services } from '../services.js';
import { auditTable } from './format.js';
import { onSpace, type SpaceArgs, type SpaceTarget, targetSpace } from './target.js';

export interface AuditArgs extends SpaceArgs {
  /** auditLog: whether to open the table (default true). */
  readonly show?: boolean;
  /** exportAuditLog: the file URI to write (otherwise a save dialog asks). */
  readonly file?: string;
}

const PAGE = 500;

async function readAll(channel: EnclaveConnection): Promise<AuditEntry[]> {
  const entries: AuditEntry[] = [];
  for (;;) {
    const after = entries.length > 0 ? entries[entries.length - 1]!.seq : undefined;
    const page = (
      await channel.request(
        after === undefined ? { op: 'audit.list', limit: PAGE } : { op: 'audit.list', after, limit: PAGE },
      )
    ).entries;
    entries.push(...page);
    if (page.length < PAGE) return entries;
  }
}

async function exportTo(
  target: SpaceTarget,
  entries: readonly AuditEntry[],
  file?: string,
): Promise<string | undefined> {
  const uri = file
    ? vscode.Uri.parse(file)
    : await vscode.window.showSaveDialog({
        title: `Enclave: export the audit log of ${target.space}`,
        filters: { 'JSON lines': ['jsonl'] },
        ...(vscode.workspace.workspaceFolders?.[0]
          ? { defaultUri: vscode.Uri.joinPath(vscode.workspace.workspaceFolders[0].uri, `${target.space}-audit.jsonl`) }
          : {}),
      });
  if (!uri) return undefined;
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(auditJsonLines(entries)));
  return uri.toString();
}

export function registerAuditCommands(services: Services): vscode.Disposable {
  const load = async (
    args: AuditArgs,
  ): Promise<{ target: SpaceTarget; entries: AuditEntry[]; names: Map<string, string> } | undefined> => {
    const target = await targetSpace(services, args);
    if (!target) return undefined;
    return onSpace(services, target, async (channel) => {
      const entries = await readAll(channel);
      const { members } = await channel.request({ op: 'members.list' });
      return { target, entries, names: new Map(members.map((m) => [m.publicKey as string, m.name])) };
    });
  };
  return vscode.Disposable.from(
    vscode.commands.registerCommand('enclave.auditLog', async (args: AuditArgs = {}) => {
      const loaded = await load(args);
      if (!loaded) return undefined;
      const { target, entries, names } = loaded;
      await services.views.open(
        `${target.space}-audit.log`,
        auditTable(target.space, entries, names),
        args.show !== false,
      );
      if (args.show !== false) {
        const EXPORT = 'Export as JSON Lines...';
        void vscode.window
          .showInformationMessage(`Enclave: ${entries.length} audit entries of ${target.space}.`, EXPORT)
          .then(async (choice) => {
            if (choice === EXPORT) await exportTo(target, entries);
          })
          .then(undefined, services.reportError);
      }
      return entries;
    }),
    vscode.commands.registerCommand('enclave.exportAuditLog', async (args: AuditArgs = {}) => {
      const loaded = await load(args);
      return loaded ? exportTo(loaded.target, loaded.entries, args.file) : undefined;
    }),
  );
}
