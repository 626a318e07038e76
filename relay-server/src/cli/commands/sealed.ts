/**
 * What the CLI does in a sealed space, where keys are the clients' work and the relay can read nothing:
 * start a space's first epoch, share keys with members who lack them, revoke by rotating, and push or pull a
 * document by its real name through a SealedSession.
 */
import { YFile, YNotebook } from '@jupyter/ydoc';
import {
  type DocumentKind,
  type EnclaveConnection,
  findSealedDocument,
  listSealedDocuments,
  newDocumentId,
  NoKeyYet,
  type PublicKeyText,
  type RoomAddress,
  SealedSession,
  SpaceKeys,
} from '@enclave/shared';
import { CliError, ExitCode } from '../cli-error.js';
import type { CommandArgs } from '../command.js';
import { type ClientSettings, clientSettings, withConnection } from '../remote.js';
import { onSpace, spaceArgument } from './space.js';

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
    await keys.refresh(requester(connection));
    return await keys.wrapMissing(requester(connection));
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
 * Opens the sealed document called `room.document` (creating it when `create` is given), runs `work` on
 * its synced model, and closes everything.
 */
export async function withSealedDocument<T>(
  settings: ClientSettings,
  room: Required<RoomAddress>,
  create: DocumentKind | undefined,
  work: (model: Model, session: SealedSession) => Promise<T>,
): Promise<T> {
  const keys = new SpaceKeys(room.space, settings.identity);
  try {
    const found = await withConnection(settings, { space: room.space }, async (connection) => {
      const id = await findSealedDocument(connection, keys, room.document);
      try {
        keys.current();
      } catch (error) {
        if (error instanceof NoKeyYet) throw new CliError(error.message, ExitCode.AccessDenied);
        throw error;
      }
      if (id) {
        const listed = (await listSealedDocuments(connection, keys)).find((d) => d.id === id)!;
        return { id, kind: listed.info.kind };
      }
      return undefined;
    });
    if (!found && !create) {
      throw new CliError(`there is no document ${room.space}/${room.document}`, ExitCode.NotFound);
    }
    const id = found?.id ?? newDocumentId();
    const kind = found?.kind ?? create!;
    const model: Model = kind === 'notebook' ? new YNotebook() : new YFile();
    model.awareness.setLocalState(null);
    try {
      return await withConnection(settings, { space: room.space, document: id }, async (connection) => {
        const session = new SealedSession({
          connection,
          doc: model.ydoc,
          awareness: model.awareness,
          identity: settings.identity,
          keys,
          ...(found ? {} : { create: { kind, name: room.document } }),
        });
        const waiting = new Promise<never>((_, reject) =>
          session.on('waiting-for-key', (message) => reject(new CliError(message, ExitCode.AccessDenied))),
        );
        try {
          await Promise.race([session.whenSynced(), waiting]);
          return await Promise.race([work(model, session), waiting]);
        } finally {
          session.destroy();
        }
      });
    } finally {
      model.dispose();
    }
  } finally {
    keys.destroy();
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
