/**
 * What the CLI does in a sealed space, where keys are the clients' work and the relay can read nothing:
 * start a space's first epoch, share keys with members who lack them, revoke by rotating; and the one way
 * push and pull open a document by its real name (shared's openDocument, which both editors use too).
 */
import { YFile, YNotebook } from '@jupyter/ydoc';
import {
  type DocumentKind,
  type EnclaveConnection,
  type LiveDocument,
  NoKeyYet,
  openDocument,
  type OpenedDocument,
  type PublicKeyText,
  type RoomAddress,
  shareMissingKeys,
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

/** Leads: wraps every key this client holds for members who lack it. */
export async function shareKeys(connection: EnclaveConnection, settings: ClientSettings): Promise<number> {
  const keys = new SpaceKeys(connection.options.room.space, settings.identity);
  try {
    return await shareMissingKeys(connection, keys);
  } finally {
    keys.destroy();
  }
}

/** Revokes by starting a new epoch wrapped to everyone else; returns the new epoch. */
export async function revokeByRotation(
  connection: EnclaveConnection,
  settings: ClientSettings,
  target: PublicKeyText,
): Promise<number> {
  const { members } = await connection.request({ op: 'members.list' });
  if (!members.some((m) => m.publicKey === target)) {
    throw new CliError(`${target} is not a member of ${connection.options.room.space}`, ExitCode.NotFound);
  }
  const keys = new SpaceKeys(connection.options.room.space, settings.identity);
  try {
    return await keys.rotate(
      requester(connection),
      members.map((m) => m.publicKey as PublicKeyText),
      target,
    );
  } finally {
    keys.destroy();
  }
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
  process.stdout.write(`shared the keys of ${space}: ${shared} wrapped\n`);
}
