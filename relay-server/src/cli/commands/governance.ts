/**
 * Bringing people in and keeping a record: invites and joining by link, access requests, agreements.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import {
  type AgreementInfo,
  createInvite,
  formatLink,
  isRole,
  linkAddresses,
  newInviteLink,
  parseDuration,
  parseLink,
  type Role,
  type WelcomeMessage,
} from '@enclave/shared';
import { CliError, ExitCode, usageError } from '../cli-error.js';
import type { CommandArgs } from '../command.js';
import { table } from '../output.js';
import { type ClientSettings, clientSettings, namingTheRelay, openConnection, withConnection } from '../remote.js';
import { reportShared, shareKeys } from './sealed.js';
import { onSpace, spaceArgument } from './space.js';

function roleOption(args: CommandArgs, fallback?: Role): Role {
  const role = args.values['role'] ?? fallback;
  if (!isRole(role)) throw usageError('--role is lead, editor or viewer');
  return role;
}

export async function inviteCreate(args: CommandArgs): Promise<void> {
  const space = spaceArgument(args, 'invite');
  const role = roleOption(args);
  let seconds: number;
  try {
    seconds = parseDuration(String(args.values['expires'] ?? '24h'));
  } catch (error) {
    throw usageError((error as Error).message);
  }
  const settings = await clientSettings(args.values as Record<string, string>);
  // shared's createInvite: in a sealed space the link also carries the invite's admission secret.
  const created = await onSpace(args, space, (connection) => createInvite(connection, role, seconds));
  const { invite } = created;
  const used = { relay: settings.relayUrl, alternates: settings.alternateUrls ?? [] };
  process.stdout.write(`${formatLink(newInviteLink(used, space, created))}\n`);
  process.stderr.write(`invite ${invite.id}: one person may join ${space} as ${invite.role} until ${invite.expires}\n`);
}

export async function invitesList(args: CommandArgs): Promise<void> {
  const space = spaceArgument(args, 'invites');
  const { invites } = await onSpace(args, space, (connection) => connection.request({ op: 'invites.list' }));
  if (args.values['json']) {
    process.stdout.write(`${JSON.stringify(invites, null, 2)}\n`);
    return;
  }
  const rows = [
    ['ID', 'ROLE', 'STATUS', 'EXPIRES', 'USED BY'],
    ...invites.map((i) => [i.id, i.role, i.status, i.expires, i.usedBy ?? '-']),
  ];
  process.stdout.write(`${table(rows)}\n`);
}

export async function inviteRevoke(args: CommandArgs): Promise<void> {
  const space = spaceArgument(args, 'invite revoke');
  const id = args.positionals[1];
  if (!id) throw usageError('invite revoke needs SPACE INVITE_ID');
  await onSpace(args, space, (connection) => connection.request({ op: 'invites.revoke', id }));
  process.stdout.write(`invite ${id} revoked: it admits nobody now\n`);
}

export async function join(args: CommandArgs): Promise<void> {
  const text = args.positionals[0];
  if (!text) throw usageError('join needs LINK');
  let link;
  try {
    link = parseLink(text);
  } catch (error) {
    throw usageError((error as Error).message);
  }
  if (link.kind !== 'join') throw usageError('that is a document link, not an invite');
  // Every address the link carries: the first that answers is used.
  const relay = linkAddresses(link).join(',');
  const settings = await clientSettings({ ...(args.values as Record<string, string>), relay });
  const welcome = await withConnection(settings, { space: link.space }, async (_, w) => w, {
    invite: link.token,
    ...(link.admit ? { inviteSecret: link.admit } : {}),
  });
  if (welcome.agreement) {
    process.stderr.write(
      `${link.space} asks members to sign an agreement first: enclave agreement show ${link.space}\n`,
    );
  }
  process.stdout.write(`joined ${link.space} as ${welcome.role ?? 'nobody'} (relay ${relay})\n`);
}

export async function requestAccess(args: CommandArgs): Promise<void> {
  const space = spaceArgument(args, 'request');
  const settings = await clientSettings(args.values as Record<string, string>);
  await sendAccessRequest(args, settings, space);
}

/**
 * Sends an access request for `space` (--name, --message) and waits --wait seconds for a lead's answer;
 * `via` says it was sent from the space's listing.
 */
export async function sendAccessRequest(
  args: CommandArgs,
  settings: ClientSettings,
  space: string,
  via?: 'directory',
): Promise<void> {
  const waitSeconds = args.values['wait'] === undefined ? 0 : Number(args.values['wait']);
  if (!(waitSeconds >= 0)) throw usageError('--wait takes a number of seconds');
  const accessRequest = {
    name: String(args.values['name'] ?? settings.identity.name),
    message: String(args.values['message'] ?? ''),
    ...(via ? { via } : {}),
  };
  const connection = openConnection(settings, { space }, { accessRequest });
  try {
    const outcome = await new Promise<WelcomeMessage | 'pending'>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      connection.on('access-pending', () => {
        if (waitSeconds === 0) resolve('pending');
        else {
          process.stderr.write(`request sent; waiting up to ${waitSeconds} s for a lead...\n`);
          timer = setTimeout(() => resolve('pending'), waitSeconds * 1000);
        }
      });
      connection.whenWelcomed().then((welcome) => {
        clearTimeout(timer);
        resolve(welcome);
      }, reject);
    });
    if (outcome === 'pending') process.stdout.write(`access request sent to the leads of ${space}; ask again later\n`);
    else process.stdout.write(`approved: you are ${outcome.role} in ${space}\n`);
  } catch (error) {
    throw namingTheRelay(error, settings.relayUrl);
  } finally {
    connection.destroy();
  }
}

export async function requestsList(args: CommandArgs): Promise<void> {
  const space = spaceArgument(args, 'requests');
  const all = Boolean(args.values['all']);
  const { requests } = await onSpace(args, space, (connection) =>
    connection.request(all ? { op: 'requests.list' } : { op: 'requests.list', status: 'pending' }),
  );
  if (args.values['json']) {
    process.stdout.write(`${JSON.stringify(requests, null, 2)}\n`);
    return;
  }
  const rows = [
    ['ID', 'STATUS', 'NAME (claimed)', 'FINGERPRINT', 'VIA', 'MESSAGE'],
    ...requests.map((r) => [
      r.id,
      r.status,
      r.name,
      r.fingerprint,
      r.via ?? '-',
      r.message.replace(/\s+/g, ' ').slice(0, 60),
    ]),
  ];
  process.stdout.write(`${table(rows)}\n`);
}

export async function approve(args: CommandArgs): Promise<void> {
  const space = spaceArgument(args, 'approve');
  const id = args.positionals[1];
  if (!id) throw usageError('approve needs SPACE REQUEST_ID');
  const role = roleOption(args, 'editor');
  const settings = await clientSettings(args.values as Record<string, string>);
  const { member, shared } = await onSpace(args, space, async (connection, welcome) => {
    const approved = await connection.request({ op: 'requests.approve', id, role });
    return { ...approved, shared: welcome.sealed ? await shareKeys(connection, settings) : undefined };
  });
  process.stdout.write(`${member.name} (${member.fingerprint}) is now ${member.role} in ${space}\n`);
  if (shared !== undefined) reportShared(space, shared);
}

export async function deny(args: CommandArgs): Promise<void> {
  const space = spaceArgument(args, 'deny');
  const id = args.positionals[1];
  if (!id) throw usageError('deny needs SPACE REQUEST_ID');
  await onSpace(args, space, (connection) => connection.request({ op: 'requests.deny', id }));
  process.stdout.write(`request ${id} denied\n`);
}

export async function agreementSet(args: CommandArgs): Promise<void> {
  const space = spaceArgument(args, 'agreement set');
  const file = args.positionals[1];
  if (!file) throw usageError('agreement set needs SPACE FILE');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const agreement = await onSpace(args, space, async (connection) => {
    const { agreement: set } = await connection.request({ op: 'agreement.set', text });
    await connection.signAgreement(set); // the lead who sets it accepts it too
    return set;
  });
  process.stdout.write(
    `agreement version ${agreement.version} (sha256 ${agreement.hash.slice(0, 16)}…) set for ${space}; members sign it before they get content\n`,
  );
}

export async function agreementShow(args: CommandArgs): Promise<void> {
  const space = spaceArgument(args, 'agreement show');
  const { agreement, signed } = await onSpace(
    args,
    space,
    (connection) => connection.request({ op: 'agreement.get' }),
    true,
  );
  if (!agreement) throw new CliError(`${space} has no agreement`, ExitCode.NotFound);
  if (args.values['json']) {
    process.stdout.write(`${JSON.stringify({ ...agreement, signed }, null, 2)}\n`);
    return;
  }
  process.stdout.write(`${agreement.text}${agreement.text.endsWith('\n') ? '' : '\n'}`);
  process.stderr.write(
    `version ${agreement.version}, sha256 ${agreement.hash}; ${signed ? 'you signed it' : 'you have not signed it'}\n`,
  );
}

export async function agreementSign(args: CommandArgs): Promise<void> {
  const space = spaceArgument(args, 'agreement sign');
  const agreement = await onSpace(
    args,
    space,
    async (connection) => {
      const { agreement: current, signed } = await connection.request({ op: 'agreement.get' });
      if (!current) throw new CliError(`${space} has no agreement`, ExitCode.NotFound);
      if (signed) return current;
      await confirm(current, Boolean(args.values['yes']));
      await connection.signAgreement(current);
      return current;
    },
    true,
  );
  process.stdout.write(`signed version ${agreement.version} of the agreement of ${space}\n`);
}

export async function agreementSignatures(args: CommandArgs): Promise<void> {
  const space = spaceArgument(args, 'agreement signatures');
  const { signatures } = await onSpace(args, space, (connection) => connection.request({ op: 'agreement.signatures' }));
  if (args.values['json']) {
    process.stdout.write(`${JSON.stringify(signatures, null, 2)}\n`);
    return;
  }
  const rows = [
    ['VERSION', 'SIGNED', 'PUBLIC KEY'],
    ...signatures.map((s) => [String(s.version), s.signed, s.publicKey]),
  ];
  process.stdout.write(`${table(rows)}\n`);
}

/** Shows the text and asks; --yes accepts without asking (for scripts that showed the text themselves). */
async function confirm(agreement: AgreementInfo, yes: boolean): Promise<void> {
  process.stderr.write(`--- agreement version ${agreement.version} ---\n${agreement.text}\n---\n`);
  if (yes) return;
  if (!process.stdin.isTTY) throw usageError('pass --yes to sign without a terminal (after reading the text above)');
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await prompt.question('Sign this agreement with your key? [y/N] ');
  prompt.close();
  if (!/^y(es)?$/i.test(answer.trim())) throw new CliError('not signed');
}
