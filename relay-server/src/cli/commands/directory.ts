/**
 * The relay's directory from the command line: leads list and unlist their spaces (signed with their key),
 * members choose whether visitors' hints show them, and anyone with an identity reads the directory,
 * each listing checked, and asks to join from a listing.
 */
import {
  type CheckedEntry,
  CloseCode,
  ConnectionClosedError,
  DIRECTORY_ROOM,
  listingTrustText,
  personText,
  readDirectory,
  signListing,
} from '@enclave/shared';
import { CliError, ExitCode, usageError } from '../cli-error.js';
import type { CommandArgs } from '../command.js';
import { clientSettings, withConnection } from '../remote.js';
import { sendAccessRequest } from './governance.js';
import { onSpace, spaceArgument } from './space.js';

function text(args: CommandArgs, flag: string, required: boolean): string {
  const value = args.values[flag];
  if (value === undefined && required) throw usageError(`space list needs --${flag} TEXT`);
  return String(value ?? '');
}

export async function spaceList(args: CommandArgs): Promise<void> {
  const space = spaceArgument(args, 'space list');
  const listing = {
    title: text(args, 'title', true),
    description: text(args, 'description', true),
    expectations: text(args, 'expectations', false),
    showAgreement: args.values['show-agreement'] === true,
  };
  const settings = await clientSettings(args.values as Record<string, string>);
  const listed = await onSpace(args, space, async (connection) => {
    const relayId = connection.relayId;
    if (!relayId) throw new CliError('the relay did not say who it is');
    let request;
    try {
      request = await signListing(settings.identity, relayId, space, listing);
    } catch (error) {
      throw usageError((error as Error).message);
    }
    return (await connection.request(request)).listing;
  });
  const shown = listed.showAgreement ? ', with its agreement shown' : '';
  process.stdout.write(`listed ${space} in the relay's directory as "${listed.title}"${shown}, signed by you\n`);
}

export async function spaceUnlist(args: CommandArgs): Promise<void> {
  const space = spaceArgument(args, 'space unlist');
  const { removed } = await onSpace(args, space, (connection) => connection.request({ op: 'listing.remove' }));
  if (!removed) throw new CliError(`${space} was not listed`, ExitCode.NotFound);
  process.stdout.write(`${space} is no longer listed in the relay's directory\n`);
}

/** `space hide-me` and `space show-me`: whether visitors' shared-membership hints may name you here. */
export function hintChoice(hidden: boolean): (args: CommandArgs) => Promise<void> {
  return async (args) => {
    const space = spaceArgument(args, hidden ? 'space hide-me' : 'space show-me');
    await onSpace(args, space, (connection) => connection.request({ op: 'hints.set', hidden }));
    process.stdout.write(
      hidden
        ? `the directory will not tell visitors of ${space}'s listing that you are a member\n`
        : `visitors of ${space}'s listing who share another space with you may see that you are a member\n`,
    );
  };
}

async function checkedDirectory(args: CommandArgs): Promise<CheckedEntry[]> {
  const settings = await clientSettings(args.values as Record<string, string>);
  try {
    return await withConnection(settings, DIRECTORY_ROOM, (connection) => readDirectory(connection));
  } catch (error) {
    // The one refusal the directory's channel has: its admin switched it off (the reason says so).
    if (error instanceof ConnectionClosedError && error.code === CloseCode.Forbidden) {
      throw new CliError(error.reason || 'the relay refused to show its directory', ExitCode.AccessDenied);
    }
    throw error;
  }
}

export async function directory(args: CommandArgs): Promise<void> {
  const entries = await checkedDirectory(args);
  const untrusted = entries.filter((e) => !e.check.verified);
  for (const e of untrusted) process.stderr.write(`enclave: ${listingTrustText(e)}\n`);
  if (args.values['json']) {
    const json = entries.map(({ entry, check }) => ({ ...entry, ...check }));
    process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
    return;
  }
  if (entries.length === 0) {
    process.stdout.write('no space is listed on this relay\n');
    return;
  }
  process.stdout.write(`${entries.map(entryText).join('\n')}`);
}

function entryText(checked: CheckedEntry): string {
  const { entry } = checked;
  const lines = [
    `${entry.space}: ${entry.title}`,
    `  ${checked.check.verified ? 'verified: ' : ''}${listingTrustText(checked)}`,
    `  leads: ${entry.leads.map(personText).join(', ')}; ${entry.memberCount} member(s); listed ${entry.listedAt}`,
    `  research: ${entry.description}`,
  ];
  if (entry.expectations) lines.push(`  expects: ${entry.expectations}`);
  if (entry.agreement) {
    lines.push(`  agreement (version ${entry.agreement.version}, signed by members before content):`);
    lines.push(...entry.agreement.text.split('\n').map((line) => `    ${line}`));
  }
  if (entry.knownMembers.length > 0) {
    lines.push(`  people you share a space with: ${entry.knownMembers.map(personText).join(', ')}`);
  }
  if (checked.check.verified) lines.push(`  ask to join: enclave directory ask ${entry.space} --message TEXT`);
  return `${lines.join('\n')}\n`;
}

export async function directoryAsk(args: CommandArgs): Promise<void> {
  const space = spaceArgument(args, 'directory ask');
  const expected = args.values['lead-fingerprint'] as string | undefined;
  const found = (await checkedDirectory(args)).find((e) => e.entry.space === space);
  if (!found) throw new CliError(`${space} is not listed in this relay's directory`, ExitCode.NotFound);
  if (!found.check.verified) throw new CliError(`${listingTrustText(found)}; not asking`);
  const signer = found.entry.listedBy;
  if (expected !== undefined && expected.toLowerCase() !== signer.fingerprint) {
    throw new CliError(
      `${space} was listed by ${personText(signer)}, not by the lead fingerprint ${expected} you expected; not asking`,
    );
  }
  process.stderr.write(`asking to join "${found.entry.title}" (${listingTrustText(found)})\n`);
  if (found.entry.agreement) {
    process.stderr.write(`once a lead lets you in, you sign its agreement before you see any content\n`);
  }
  const settings = await clientSettings(args.values as Record<string, string>);
  await sendAccessRequest(args, settings, space, 'directory');
}
