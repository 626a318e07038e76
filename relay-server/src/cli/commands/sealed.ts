/**
 * What the CLI does in a sealed space, where keys are the clients' work and the relay can read nothing:
 * start a space's first epoch, share keys with members who lack them, revoke by rotating; and the one way
 * push and pull open a document by its real name (shared's openDocument, which both editors use too).
 */
import { YFile, YNotebook } from '@jupyter/ydoc';
import {
  ChainBroken,
  type DocumentKind,
  loadChain,
  type EnclaveConnection,
  type LiveDocument,
  NoKeyYet,
  openDocument,
  type OpenedDocument,
  type PublicKeyText,
  type RoomAddress,
  refusedMessage,
  shareMissingKeys,
  type SharedKeys,
  signMembership,
  SpaceKeys,
} from '@enclave/shared';
import { CliError, ExitCode } from '../cli-error.js';
import type { CommandArgs } from '../command.js';
import { type ClientSettings, clientSettings, namingTheRelay, openConnection } from '../remote.js';
import { onSpace, spaceArgument, unsignedAgreement } from './space.js';

const requester = (connection: EnclaveConnection): Parameters<SpaceKeys['refresh']>[0] =>
  ((request) => connection.request(request)) as Parameters<SpaceKeys['refresh']>[0];

/** A new sealed space's first epoch: a fresh key, wrapped to its creator only. */
export async function startSealedSpace(connection: EnclaveConnection, settings: ClientSettings): Promise<void> {
  const keys = new SpaceKeys(connection.options.room.space, settings.identity);
  try {
    await keys.rotate(requester(connection), [settings.identity.publicKey]);
  } finally {
    keys.destroy();
  }
}

/** Leads: wraps every key this client holds for members who lack it and the membership chain admits. */
export async function shareKeys(connection: EnclaveConnection, settings: ClientSettings): Promise<SharedKeys> {
  const keys = new SpaceKeys(connection.options.room.space, settings.identity);
  try {
    return await shareMissingKeys(connection, keys);
  } catch (error) {
    throw chainProblem(error, connection.options.room.space);
  } finally {
    keys.destroy();
  }
}

/** After a grant or approval: what was wrapped, and (on stderr) who the membership chain refused. */
export function reportShared(space: string, shared: SharedKeys): void {
  process.stdout.write(`shared the space's keys: ${shared.wrapped} wrapped\n`);
  if (shared.refused.length > 0) process.stderr.write(`warning: ${refusedMessage(space, shared.refused)}\n`);
}

/**
 * Revokes by starting a new epoch wrapped to everyone else the membership chain admits (and the relay still
 * lists); returns the new epoch. A space without a chain is attested first (`enclave keys attest`).
 */
export async function revokeByRotation(
  connection: EnclaveConnection,
  settings: ClientSettings,
  target: PublicKeyText,
): Promise<number> {
  const space = connection.options.room.space;
  const { members } = await connection.request({ op: 'members.list' });
  if (!members.some((m) => m.publicKey === target)) {
    throw new CliError(`${target} is not a member of ${space}`, ExitCode.NotFound);
  }
  const chain = await loadChain(connection, connection.chainPins).catch((error: unknown) => {
    throw chainProblem(error, space);
  });
  if (chain.length === 0) {
    throw new CliError(
      `${space} has no membership chain yet: a lead confirms its members with \`enclave keys attest ${space}\` first`,
    );
  }
  const keys = new SpaceKeys(space, settings.identity);
  try {
    const kept = members.map((m) => m.publicKey as PublicKeyText).filter((key) => chain.members.has(key));
    return await keys.rotate(requester(connection), kept, target);
  } finally {
    keys.destroy();
  }
}

/**
 * `enclave keys attest SPACE`, leads: signs the access list as the relay shows it now into the space's
 * membership chain (members and roles it lacks, and removals of keys no longer listed). For spaces made
 * before chains (the first lead to attest becomes the root), and to confirm members admitted by invite.
 * It trusts the relay's list at this moment: check it first (`enclave members list SPACE`).
 */
export async function keysAttest(args: CommandArgs): Promise<void> {
  const space = spaceArgument(args, 'keys attest');
  const signed = await onSpace(args, space, async (connection, welcome) => {
    if (!welcome.sealed) throw new CliError(`${space} is not sealed: it has no membership chain`);
    const { members } = await connection.request({ op: 'members.list' });
    const listed = new Map(members.map((m) => [m.publicKey as PublicKeyText, m.role] as const));
    try {
      const before = await loadChain(connection, connection.chainPins);
      const removed = [...before.members.keys()].filter((key) => !listed.has(key));
      const changes = [
        ...[...listed].map(([subject, role]) => ({ subject, role })),
        ...removed.map((subject) => ({ subject, role: null })),
      ];
      const after = await signMembership(connection, connection.chainPins, changes);
      return { added: after.length - before.length, members: after.members };
    } catch (error) {
      throw chainProblem(error, space);
    }
  });
  for (const [key, role] of signed.members) process.stdout.write(`${role}\t${key}\n`);
  process.stdout.write(`attested the members of ${space}: ${signed.added} statement(s) signed\n`);
}

/** A broken chain is an alarm, not a network error: say so plainly. */
function chainProblem(error: unknown, space: string): unknown {
  if (error instanceof ChainBroken) {
    return new CliError(`the membership chain of ${space} does not verify: ${error.message}`, ExitCode.AccessDenied);
  }
  return error;
}

type Model = YNotebook | YFile;

/**
 * Opens the document called `room.document` in a plain or sealed space (shared's openDocument: the space
 * channel is asked first, a sealed space's names resolve to opaque ids), creating it when `create` is given,
 * runs `work` on its synced model, and closes everything, within the deadline.
 */
export async function withDocument<T>(
  settings: ClientSettings,
  room: Required<RoomAddress>,
  create: DocumentKind | undefined,
  work: (model: Model, session: LiveDocument) => Promise<T>,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new CliError(`no answer from ${settings.relayUrl} within ${settings.timeoutMs / 1000} s`)),
      settings.timeoutMs,
    );
  });
  let opened: OpenedDocument<Model> | undefined;
  const run = async (): Promise<T> => {
    opened = await openDocument<Model>({
      space: room.space,
      name: room.document,
      identity: settings.identity,
      connect: (address) => openConnection(settings, address),
      admit: async (connection) => {
        const welcome = await connection.whenWelcomed();
        if (welcome.agreement) throw unsignedAgreement(room.space);
        return welcome;
      },
      ...(create ? { create } : {}),
      model: (kind) => {
        const model = kind === 'notebook' ? new YNotebook() : new YFile();
        model.awareness.setLocalState(null);
        return model;
      },
    });
    const { session, model } = opened;
    const waiting = new Promise<never>((_, reject) =>
      session.on('waiting-for-key', (message) => reject(new CliError(message, ExitCode.AccessDenied))),
    );
    await Promise.race([session.whenSynced(), waiting]);
    return await Promise.race([work(model, session), waiting]);
  };
  try {
    return await Promise.race([run(), deadline]);
  } catch (error) {
    if (error instanceof NoKeyYet) throw new CliError(error.message, ExitCode.AccessDenied);
    throw namingTheRelay(error, settings.relayUrl);
  } finally {
    clearTimeout(timer);
    const done = opened as OpenedDocument<Model> | undefined;
    done?.close();
    done?.model.dispose();
  }
}

/** `enclave keys share SPACE`: leads wrap the space's keys for members who lack them (invited, approved). */
export async function keysShare(args: CommandArgs): Promise<void> {
  const space = spaceArgument(args, 'keys share');
  const settings = await clientSettings(args.values as Record<string, string>);
  const shared = await onSpace(args, space, async (connection, welcome) => {
    if (!welcome.sealed) throw new CliError(`${space} is not sealed: it has no keys to share`);
    return shareKeys(connection, settings);
  });
  process.stdout.write(`shared the keys of ${space}: ${shared.wrapped} wrapped\n`);
  if (shared.refused.length > 0) throw new CliError(refusedMessage(space, shared.refused), ExitCode.AccessDenied);
}
