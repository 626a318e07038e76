/**
 * Space administration: create, grant, revoke, members, audit, docs. Each opens the space's control
 * channel, asks, prints, and exits with the contract's code.
 */
import {
  AUDIT_COLUMNS,
  auditRow,
  checkName,
  CloseCode,
  ConnectionClosedError,
  isRole,
  latestAuditEntries,
  parsePublicKey,
  type PublicKeyText,
  type Role,
  listDocuments,
} from '@enclave/shared';
import { CliError, ExitCode, usageError } from '../cli-error.js';
import type { CommandArgs } from '../command.js';
import { table } from '../output.js';
import { clientSettings, withConnection } from '../remote.js';
import { reportShared, revokeByRotation, shareKeys, startSealedSpace } from './sealed.js';

export function spaceArgument(args: CommandArgs, command: string): string {
  const space = args.positionals[0];
  if (!space) throw usageError(`${command} needs SPACE`);
  try {
    return checkName('space', space);
  } catch (error) {
    throw usageError((error as Error).message);
  }
}

function keyArgument(args: CommandArgs, command: string): PublicKeyText {
  const key = args.positionals[1];
  if (!key) throw usageError(`${command} needs SPACE PUBKEY`);
  try {
    parsePublicKey(key);
  } catch (error) {
    throw usageError(`${key}: ${(error as Error).message}`);
  }
  return key as PublicKeyText;
}

/**
 * Runs a request on the space channel, telling "no such space" apart for admins (members always see it),
 * and stopping with a hint when the member must sign the space's agreement first.
 */
export async function onSpace<T>(
  args: CommandArgs,
  space: string,
  work: Parameters<typeof withConnection<T>>[2],
  allowUnsignedAgreement = false,
): Promise<T> {
  const settings = await clientSettings(args.values as Record<string, string>);
  return withConnection(settings, { space }, async (connection, welcome) => {
    if (!welcome.spaceExists) throw new CliError(`there is no space "${space}" on this relay`, ExitCode.NotFound);
    if (welcome.agreement && !allowUnsignedAgreement) throw unsignedAgreement(space);
    return work(connection, welcome);
  });
}

export function unsignedAgreement(space: string): CliError {
  return new CliError(
    `${space} has an agreement you have not signed: read it with "enclave agreement show ${space}", then "enclave agreement sign ${space}"`,
    ExitCode.AccessDenied,
  );
}

export async function spaceCreate(args: CommandArgs): Promise<void> {
  const space = spaceArgument(args, 'space create');
  const settings = await clientSettings(args.values as Record<string, string>);
  try {
    await withConnection(settings, { space }, async (connection, welcome) => {
      if (!welcome.admin) throw new CliError('only relay admins can create spaces', ExitCode.AccessDenied);
      if (welcome.spaceExists) throw new CliError(`space "${space}" already exists`);
      const sealed = args.values['sealed'] === true;
      await connection.request({ op: 'space.create', name: settings.identity.name, ...(sealed ? { sealed } : {}) });
      if (sealed) await startSealedSpace(connection, settings);
    });
  } catch (error) {
    // Refused at the handshake: not an admin (the relay does not say whether the space exists).
    if (error instanceof ConnectionClosedError && error.code === CloseCode.Forbidden) {
      throw new CliError('access denied: only relay admins can create spaces', ExitCode.AccessDenied);
    }
    throw error;
  }
  const sealedNote = args.values['sealed'] ? ' (sealed: the relay stores only what it cannot read)' : '';
  process.stdout.write(`created space ${space}${sealedNote}; you are its lead\n`);
}

export async function grant(args: CommandArgs): Promise<void> {
  const space = spaceArgument(args, 'grant');
  const publicKey = keyArgument(args, 'grant');
  const role = args.values['role'];
  if (!isRole(role)) throw usageError('grant needs --role lead|editor|viewer');
  const name = args.values['name'] as string | undefined;
  const settings = await clientSettings(args.values as Record<string, string>);
  const { member, shared } = await onSpace(args, space, async (connection, welcome) => {
    const granted = await connection.request({
      op: 'members.grant',
      publicKey,
      role: role as Role,
      ...(name ? { name } : {}),
    });
    return { ...granted, shared: welcome.sealed ? await shareKeys(connection, settings) : undefined };
  });
  process.stdout.write(`${member.name} (${member.fingerprint}) is now ${member.role} in ${space}\n`);
  if (shared !== undefined) reportShared(space, shared);
}

export async function revoke(args: CommandArgs): Promise<void> {
  const space = spaceArgument(args, 'revoke');
  const publicKey = keyArgument(args, 'revoke');
  const settings = await clientSettings(args.values as Record<string, string>);
  const { removed, epoch } = await onSpace(args, space, async (connection, welcome) => {
    if (welcome.sealed) return { removed: true, epoch: await revokeByRotation(connection, settings, publicKey) };
    return { ...(await connection.request({ op: 'members.revoke', publicKey })), epoch: undefined };
  });
  if (!removed) throw new CliError(`${publicKey} is not a member of ${space}`, ExitCode.NotFound);
  const rotated = epoch === undefined ? '' : `; the space moved to key epoch ${epoch}, which they never received`;
  process.stdout.write(`revoked ${publicKey} from ${space}; their connections were closed${rotated}\n`);
}

export async function members(args: CommandArgs): Promise<void> {
  const space = spaceArgument(args, 'members');
  const { members: list } = await onSpace(args, space, (connection) => connection.request({ op: 'members.list' }));
  if (args.values['json']) {
    process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
    return;
  }
  const rows = [
    ['ROLE', 'NAME', 'FINGERPRINT', 'PUBLIC KEY'],
    ...list.map((m) => [m.role, m.name, m.fingerprint, m.publicKey]),
  ];
  process.stdout.write(`${table(rows)}\n`);
}

export async function audit(args: CommandArgs): Promise<void> {
  const space = spaceArgument(args, 'audit');
  const entries = await onSpace(args, space, async (connection) => {
    const all = [];
    for (let after = 0; ;) {
      const page = (await connection.request({ op: 'audit.list', after })).entries;
      all.push(...page);
      if (page.length === 0) break;
      after = page[page.length - 1]!.seq;
    }
    return latestAuditEntries(all);
  });
  if (args.values['json']) {
    process.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
    return;
  }
  if (args.values['jsonl']) {
    process.stdout.write(entries.map((e) => `${JSON.stringify(e)}\n`).join(''));
    return;
  }
  const rows = [AUDIT_COLUMNS.map((c) => c.toUpperCase()), ...entries.map((e) => auditRow(e))];
  process.stdout.write(`${table(rows)}\n`);
}

export async function docs(args: CommandArgs): Promise<void> {
  const space = spaceArgument(args, 'docs');
  const settings = await clientSettings(args.values as Record<string, string>);
  // Sealed: the relay lists opaque ids; the real names open with this member's keys (shared's listDocuments).
  const documents = await onSpace(args, space, async (connection) =>
    (await listDocuments(connection, settings.identity)).map((d) => ({
      ...d.info,
      name: d.name ?? `(cannot open: ${d.id})`,
    })),
  );
  if (args.values['json']) {
    process.stdout.write(`${JSON.stringify(documents, null, 2)}\n`);
    return;
  }
  const rows = [['KIND', 'CREATED', 'NAME'], ...documents.map((d) => [d.kind, d.created, d.name])];
  process.stdout.write(`${table(rows)}\n`);
}
