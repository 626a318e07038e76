/**
 * The `enclave` command line: identities, the relay, and space administration. Exit codes (contract):
 * 0 done, 1 failure, 2 usage, 3 access denied, 4 not found. User errors print one line, never a stack.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CliError, ExitCode, toCliError, usageError } from './cli-error.js';
import type { CommandArgs } from './command.js';
import { identityNew, identityShow } from './commands/identity.js';
import { pull, push } from './commands/documents.js';
import { doctor } from './commands/doctor.js';
import { directory, directoryAsk, hintChoice, spaceList, spaceUnlist } from './commands/directory.js';
import { keysAttest, keysShare } from './commands/sealed.js';
import { ADMISSION_FLAG_NAMES, relayCommand } from './commands/relay.js';
import { audit, docs, grant, members, revoke, spaceCreate } from './commands/space.js';
import {
  agreementSet,
  agreementShow,
  agreementSign,
  agreementSignatures,
  approve,
  deny,
  inviteCreate,
  inviteRevoke,
  invitesList,
  join,
  requestAccess,
  requestsList,
} from './commands/governance.js';

type Options = NonNullable<ParseArgsConfig['options']>;

const CLIENT: Options = {
  relay: { type: 'string' },
  identity: { type: 'string' },
  timeout: { type: 'string' },
};

interface Command {
  readonly usage: string;
  readonly summary: string;
  readonly options: Options;
  run(args: CommandArgs): Promise<void>;
}

const COMMANDS: Record<string, Command> = {
  'identity new': {
    usage: 'identity new --name NAME --out FILE [--force]',
    summary: 'create a key pair; writes the identity file (mode 0600), prints the public key',
    options: { name: { type: 'string' }, out: { type: 'string' }, force: { type: 'boolean' } },
    run: identityNew,
  },
  'identity show': {
    usage: 'identity show [--identity FILE] [--json]',
    summary: 'print the name, public key and fingerprint of an identity file',
    options: { identity: { type: 'string' }, json: { type: 'boolean' } },
    run: identityShow,
  },
  relay: {
    usage:
      'relay --data DIR [--storage sqlite|postgres://...] [--host HOST] [--port PORT] --admin PUBKEY [--admin PUBKEY ...] [--no-directory] [--tls-cert PEM --tls-key PEM] [--log-level LEVEL] [--commit-window-ms MS] [--redis URL] [--relay-identity FILE] [--public-url URL ...] [--handshakes-per-address N] [--refusals-per-address N] [--unadmitted-per-address N] [--unadmitted-total N]',
    summary: 'run the relay in the foreground (default 127.0.0.1:8787); admins may create spaces',
    options: {
      data: { type: 'string' },
      storage: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      admin: { type: 'string', multiple: true },
      'no-directory': { type: 'boolean' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'log-level': { type: 'string' },
      'commit-window-ms': { type: 'string' },
      redis: { type: 'string' },
      'relay-identity': { type: 'string' },
      'public-url': { type: 'string', multiple: true },
      ...Object.fromEntries(ADMISSION_FLAG_NAMES.map((flag) => [flag, { type: 'string' } as const])),
    },
    run: relayCommand,
  },
  doctor: {
    usage: 'doctor (--data DIR | --storage postgres://...) [--repair]',
    summary: "check a stopped relay's storage; --repair sets aside what cannot be loaded",
    options: { data: { type: 'string' }, storage: { type: 'string' }, repair: { type: 'boolean' } },
    run: doctor,
  },
  'keys share': {
    usage: 'keys share SPACE',
    summary: "sealed spaces, leads: wrap the space's keys for members who lack them (invited, approved)",
    options: CLIENT,
    run: keysShare,
  },
  'keys attest': {
    usage: 'keys attest SPACE',
    summary: "sealed spaces, leads: sign the access list as it is now into the space's membership chain",
    options: CLIENT,
    run: keysAttest,
  },
  'space create': {
    usage: 'space create SPACE [--sealed]',
    summary: 'create a space (relay admins); you become its lead; --sealed: the relay cannot read it',
    options: { ...CLIENT, sealed: { type: 'boolean' } },
    run: spaceCreate,
  },
  'space list': {
    usage: 'space list SPACE --title TEXT --description TEXT [--expectations TEXT] [--show-agreement]',
    summary: "list the space in the relay's directory, signed with your key (leads); unlisted by default",
    options: {
      ...CLIENT,
      title: { type: 'string' },
      description: { type: 'string' },
      expectations: { type: 'string' },
      'show-agreement': { type: 'boolean' },
    },
    run: spaceList,
  },
  'space unlist': {
    usage: 'space unlist SPACE',
    summary: "take the space out of the relay's directory at once (leads, relay admins)",
    options: CLIENT,
    run: spaceUnlist,
  },
  'space hide-me': {
    usage: 'space hide-me SPACE',
    summary: "don't show visitors of the space's listing that you are a member (shared-membership hints)",
    options: CLIENT,
    run: hintChoice(true),
  },
  'space show-me': {
    usage: 'space show-me SPACE',
    summary: 'undo hide-me: visitors who share another space with you may see you are a member',
    options: CLIENT,
    run: hintChoice(false),
  },
  directory: {
    usage: 'directory [--json]',
    summary: "the spaces listed on the relay, each listing's signature checked; any identity may read it",
    options: { ...CLIENT, json: { type: 'boolean' } },
    run: directory,
  },
  'directory ask': {
    usage: 'directory ask SPACE [--message TEXT] [--name NAME] [--wait SECONDS] [--lead-fingerprint FP]',
    summary: "ask to join a listed space (its listing must verify; --lead-fingerprint: and be that lead's)",
    options: {
      ...CLIENT,
      message: { type: 'string' },
      name: { type: 'string' },
      wait: { type: 'string' },
      'lead-fingerprint': { type: 'string' },
    },
    run: directoryAsk,
  },
  grant: {
    usage: 'grant SPACE PUBKEY --role editor|viewer|lead [--name NAME]',
    summary: 'add a member or change their role (leads)',
    options: { ...CLIENT, role: { type: 'string' }, name: { type: 'string' } },
    run: grant,
  },
  revoke: {
    usage: 'revoke SPACE PUBKEY',
    summary: 'remove a member and close their connections at once (leads)',
    options: CLIENT,
    run: revoke,
  },
  members: {
    usage: 'members SPACE [--json]',
    summary: 'list the access list',
    options: { ...CLIENT, json: { type: 'boolean' } },
    run: members,
  },
  audit: {
    usage: 'audit SPACE [--json | --jsonl]',
    summary: 'show the audit log: joins, grants, revokes, invites, requests, agreements, refusals (leads)',
    options: { ...CLIENT, json: { type: 'boolean' }, jsonl: { type: 'boolean' } },
    run: audit,
  },
  docs: {
    usage: 'docs SPACE [--json]',
    summary: 'list the documents of a space',
    options: { ...CLIENT, json: { type: 'boolean' } },
    run: docs,
  },
  invite: {
    usage: 'invite SPACE --role editor|viewer|lead [--expires 24h]',
    summary: 'print a one-time invite link for a role (leads); expires after --expires (default 24h)',
    options: { ...CLIENT, role: { type: 'string' }, expires: { type: 'string' } },
    run: inviteCreate,
  },
  invites: {
    usage: 'invites SPACE [--json]',
    summary: 'list invites with their status: open, used, expired, revoked (leads)',
    options: { ...CLIENT, json: { type: 'boolean' } },
    run: invitesList,
  },
  'invite revoke': {
    usage: 'invite revoke SPACE INVITE_ID',
    summary: 'revoke an unused invite (leads)',
    options: CLIENT,
    run: inviteRevoke,
  },
  join: {
    usage: 'join LINK',
    summary: 'join a space with an invite link (takes the relay from the link)',
    options: { identity: { type: 'string' }, timeout: { type: 'string' } },
    run: join,
  },
  request: {
    usage: 'request SPACE [--message TEXT] [--name NAME] [--wait SECONDS]',
    summary: "ask a space's leads to let you in; --wait stays until they answer",
    options: { ...CLIENT, message: { type: 'string' }, name: { type: 'string' }, wait: { type: 'string' } },
    run: requestAccess,
  },
  requests: {
    usage: 'requests SPACE [--all] [--json]',
    summary: 'list pending access requests (--all: also answered ones) (leads)',
    options: { ...CLIENT, all: { type: 'boolean' }, json: { type: 'boolean' } },
    run: requestsList,
  },
  approve: {
    usage: 'approve SPACE REQUEST_ID [--role editor|viewer|lead]',
    summary: 'let a requester in (default role editor) (leads)',
    options: { ...CLIENT, role: { type: 'string' } },
    run: approve,
  },
  deny: {
    usage: 'deny SPACE REQUEST_ID',
    summary: 'refuse an access request (leads)',
    options: CLIENT,
    run: deny,
  },
  'agreement set': {
    usage: 'agreement set SPACE FILE',
    summary: 'attach or change the text members sign before they get content (leads)',
    options: CLIENT,
    run: agreementSet,
  },
  'agreement show': {
    usage: 'agreement show SPACE [--json]',
    summary: "print the space's agreement and whether you signed it",
    options: { ...CLIENT, json: { type: 'boolean' } },
    run: agreementShow,
  },
  'agreement sign': {
    usage: 'agreement sign SPACE [--yes]',
    summary: 'show the agreement and sign it with your key',
    options: { ...CLIENT, yes: { type: 'boolean' } },
    run: agreementSign,
  },
  'agreement signatures': {
    usage: 'agreement signatures SPACE [--json]',
    summary: 'who signed which version, when (leads)',
    options: { ...CLIENT, json: { type: 'boolean' } },
    run: agreementSignatures,
  },
  push: {
    usage: 'push SPACE/DOC FILE',
    summary: 'put a file into a document (.ipynb: notebook, else draft); creates or replaces',
    options: CLIENT,
    run: push,
  },
  pull: {
    usage: 'pull SPACE/DOC --out FILE',
    summary: 'write a document to a file',
    options: { ...CLIENT, out: { type: 'string' } },
    run: pull,
  },
};

function help(): string {
  const width = Math.max(...Object.values(COMMANDS).map((c) => c.usage.split(' [')[0]!.length));
  const lines = Object.values(COMMANDS).map((c) => `  enclave ${c.usage.split(' [')[0]!.padEnd(width)}  ${c.summary}`);
  return `Enclave: live co-editing through a relay that only admits allowlisted keys.

Usage:
${lines.join('\n')}

Client commands take --relay URL and --identity FILE (or ENCLAVE_RELAY, ENCLAVE_IDENTITY), and
--timeout SECONDS (default 120). A relay served from several addresses is given as --relay URL,URL...:
they are tried in turn. Run "enclave COMMAND --help" for a command's full usage.
Exit codes: 0 done, 1 failed, 2 usage, 3 access denied, 4 not found.
`;
}

function findCommand(argv: readonly string[]): [Command, string[]] | undefined {
  const two = `${argv[0]} ${argv[1]}`;
  if (COMMANDS[two]) return [COMMANDS[two], argv.slice(2)];
  const one = argv[0] ?? '';
  if (COMMANDS[one]) return [COMMANDS[one], argv.slice(1)];
  return undefined;
}

async function main(argv: string[]): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    process.stdout.write(help());
    return argv.length === 0 ? ExitCode.Usage : ExitCode.Done;
  }
  const found = findCommand(argv);
  if (!found) throw usageError(`unknown command "${argv.slice(0, 2).join(' ')}"; see enclave --help`);
  const [command, rest] = found;
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`usage: enclave ${command.usage}\n${command.summary}\n`);
    return ExitCode.Done;
  }
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: command.options, allowPositionals: true, strict: true });
  } catch (error) {
    const reason = (error as Error).message.split('. ')[0]!.split('\n')[0];
    throw usageError(`${reason}; usage: enclave ${command.usage}`);
  }
  await command.run({ values: parsed.values, positionals: parsed.positionals });
  return ExitCode.Done;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // Errors that concern the relay name the URL the command used (remote.ts); nothing is guessed here.
    const cliError = toCliError(error);
    process.stderr.write(`enclave: ${cliError.message}\n`);
    if (process.env['ENCLAVE_DEBUG'] && !(error instanceof CliError) && error instanceof Error) {
      process.stderr.write(`${error.stack}\n`);
    }
    process.exitCode = cliError.exitCode;
  },
);
