/**
 * `enclave push` and `enclave pull`: a file into a shared document (created or replaced) and back.
 * Push writes the whole content as one transaction of CRDT edits, then waits until the relay confirms the
 * update is durably stored (flush), so a relay killed right after push returns still has it.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { YFile, YNotebook } from '@jupyter/ydoc';
import {
  decodeDraftBytes,
  DocumentSession,
  documentKindForFileName,
  encodeDraftText,
  parseIpynb,
  parseRoomName,
  readDraft,
  readNotebook,
  type RoomAddress,
  serializeIpynb,
  writeDraft,
  writeNotebook,
} from '@enclave/shared';
import { CliError, ExitCode, usageError } from '../cli-error.js';
import type { CommandArgs } from '../command.js';
import { type ClientSettings, clientSettings, withConnection } from '../remote.js';
import { withSealedDocument } from './sealed.js';
import { unsignedAgreement } from './space.js';

function documentArgument(args: CommandArgs, command: string): Required<RoomAddress> {
  const text = args.positionals[0];
  if (!text) throw usageError(`${command} needs SPACE/DOC`);
  let room: RoomAddress;
  try {
    room = parseRoomName(text);
  } catch (error) {
    throw usageError((error as Error).message);
  }
  if (room.document === undefined) throw usageError(`${command} needs SPACE/DOC, not just a space`);
  return room as Required<RoomAddress>;
}

export async function push(args: CommandArgs): Promise<void> {
  const room = documentArgument(args, 'push');
  const file = args.positionals[1];
  if (!file) throw usageError('push needs SPACE/DOC FILE');
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const kind = documentKindForFileName(file);
  const text = (() => {
    try {
      return decodeDraftBytes(bytes);
    } catch (error) {
      throw new CliError(`${file}: ${(error as Error).message}`);
    }
  })();
  const notebookContent = kind === 'notebook' ? parseOrFail(file, text) : undefined;
  const settings = await clientSettings(args.values as Record<string, string>);
  const model = kind === 'notebook' ? new YNotebook() : new YFile();
  model.awareness.setLocalState(null);
  const write = (target: YNotebook | YFile): void => {
    if (target instanceof YNotebook) writeNotebook(target, notebookContent!);
    else writeDraft(target, text);
  };
  try {
    // A sealed space's documents are named by opaque ids: the real name must never be a room the relay sees.
    const sealed = await isSealed(settings, room.space);
    if (!sealed)
      await withConnection(settings, room, async (connection, welcome) => {
        if (welcome.agreement) throw unsignedAgreement(room.space);
        if (welcome.role === 'viewer')
          throw new CliError('viewers cannot push: ask a lead for the editor role', ExitCode.AccessDenied);
        const session = new DocumentSession({ connection, doc: model.ydoc, awareness: model.awareness, create: kind });
        try {
          await session.whenSynced();
          write(model);
          await session.flush();
        } finally {
          session.destroy();
        }
      });
    else {
      await withSealedDocument(settings, room, kind, async (sealedModel, session) => {
        if (session.connection.welcome?.role === 'viewer') {
          throw new CliError('viewers cannot push: ask a lead for the editor role', ExitCode.AccessDenied);
        }
        write(sealedModel);
        await session.flush();
      });
    }
  } finally {
    model.dispose();
  }
  const what = notebookContent ? `${notebookContent.cells.length} cells` : `${bytes.length} bytes`;
  process.stdout.write(`pushed ${file} to ${room.space}/${room.document} (${kind}, ${what})\n`);
}

export async function pull(args: CommandArgs): Promise<void> {
  const room = documentArgument(args, 'pull');
  const out = args.values['out'];
  if (typeof out !== 'string') throw usageError('pull needs --out FILE');
  const settings = await clientSettings(args.values as Record<string, string>);
  const read = (model: YNotebook | YFile): Uint8Array =>
    model instanceof YNotebook
      ? encodeDraftText(serializeIpynb(readNotebook(model)))
      : encodeDraftText(readDraft(model));
  const sealed = await isSealed(settings, room.space);
  const plain = sealed
    ? undefined
    : await withConnection(settings, room, async (connection, welcome) => {
        if (welcome.agreement) throw unsignedAgreement(room.space);
        if (!welcome.document)
          throw new CliError(`there is no document ${room.space}/${room.document}`, ExitCode.NotFound);
        const model = welcome.document.kind === 'notebook' ? new YNotebook() : new YFile();
        model.awareness.setLocalState(null);
        const session = new DocumentSession({ connection, doc: model.ydoc, awareness: model.awareness });
        try {
          await session.whenSynced();
          return read(model);
        } finally {
          session.destroy();
          model.dispose();
        }
      });
  const bytes = plain ?? (await withSealedDocument(settings, room, undefined, async (model) => read(model)));
  const temporary = `${out}.${process.pid}.part`;
  writeFileSync(temporary, bytes);
  renameSync(temporary, out); // never leave a half-written file under the real name
  process.stderr.write(`pulled ${room.space}/${room.document} into ${out} (${bytes.length} bytes)\n`);
}

/** Asks the space's channel (never a document room, whose name a sealed space must not show the relay). */
async function isSealed(settings: ClientSettings, space: string): Promise<boolean> {
  return withConnection(settings, { space }, async (_, welcome) => {
    if (welcome.agreement) throw unsignedAgreement(space);
    return Boolean(welcome.sealed);
  });
}

function parseOrFail(file: string, text: string): ReturnType<typeof parseIpynb> {
  try {
    return parseIpynb(text);
  } catch (error) {
    throw new CliError(`${file}: ${(error as Error).message}`);
  }
}
