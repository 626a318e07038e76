/**
 * `enclave push` and `enclave pull`: a file into a shared document (created or replaced) and back, in a
 * plain or a sealed space alike (shared's openDocument asks the space channel first).
 * Push writes the whole content as one transaction of CRDT edits, then waits until the relay confirms the
 * update is durably stored (flush), so a relay killed right after push returns still has it.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { type YFile, YNotebook } from '@jupyter/ydoc';
import {
  decodeDraftBytes,
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
import { clientSettings } from '../remote.js';
import { withDocument } from './sealed.js';

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
  await withDocument(settings, room, kind, async (model, session) => {
    if (session.connection.welcome?.role === 'viewer')
      throw new CliError('viewers cannot push: ask a lead for the editor role', ExitCode.AccessDenied);
    if (model instanceof YNotebook) writeNotebook(model, notebookContent!);
    else writeDraft(model, text);
    await session.flush();
  });
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
  const bytes = await withDocument(settings, room, undefined, async (model) => read(model));
  const temporary = `${out}.${process.pid}.part`;
  writeFileSync(temporary, bytes);
  renameSync(temporary, out); // never leave a half-written file under the real name
  process.stderr.write(`pulled ${room.space}/${room.document} into ${out} (${bytes.length} bytes)\n`);
}

function parseOrFail(file: string, text: string): ReturnType<typeof parseIpynb> {
  try {
    return parseIpynb(text);
  } catch (error) {
    throw new CliError(`${file}: ${(error as Error).message}`);
  }
}
