/**
 * `enclave doctor (--data DIR | --storage postgres://...) [--repair]`: checks every document in a stopped
 * relay's storage (SQLite in its data folder, or the service's PostgreSQL) the way the relay loads it, reports
 * what cannot be loaded as stored, and with --repair sets those parts aside (kept in the database for
 * inspection) and stores each damaged document again as one snapshot of what loads.
 * Exit 0 when everything loads (or was repaired), 1 when damage was found and left as it is.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { rebuildDocument, storeRebuilt } from '../../documents/document-rebuild.js';
import { DATABASE_FILE } from '../../relay.js';
import { PostgresStorage } from '../../storage/postgres-storage.js';
import { SqliteStorage } from '../../storage/sqlite-storage.js';
import type { Storage } from '../../storage/storage.js';
import { CliError, ExitCode, usageError } from '../cli-error.js';
import type { CommandArgs } from '../command.js';
import { redactPassword, storageChoice } from '../storage-choice.js';

interface Opened {
  readonly storage: Storage;
  /** Where the set-aside parts are kept, for the closing line. */
  readonly where: string;
}

async function openStorage(values: CommandArgs['values'], repair: boolean): Promise<Opened> {
  // --data alone means that folder's SQLite, whatever ENCLAVE_STORAGE says.
  const flag = values['storage'] as string | undefined;
  const url = flag === undefined && values['data'] !== undefined ? undefined : storageChoice(flag);
  if (url !== undefined) {
    let storage: PostgresStorage;
    try {
      storage = await PostgresStorage.open(url);
    } catch (error) {
      throw new CliError(`cannot open ${redactPassword(url)}: ${(error as Error).message}`);
    }
    // SQLite's lock tells whether a relay is running; PostgreSQL has no such lock, so only the operator knows.
    if (repair)
      process.stderr.write('PostgreSQL: doctor cannot tell whether relays use this database; stop them all first\n');
    return { storage, where: `PostgreSQL ${redactPassword(url)}` };
  }
  const dataDir = values['data'];
  if (typeof dataDir !== 'string')
    throw usageError("doctor needs --data DIR (the relay's data folder) or --storage postgres://...");
  const file = join(dataDir, DATABASE_FILE);
  if (!existsSync(file))
    throw new CliError(`no relay database in ${dataDir} (looked for ${DATABASE_FILE})`, ExitCode.NotFound);
  // The relay holds an exclusive lock: opening fails with a clear reason while it runs.
  return { storage: new SqliteStorage(file), where: file };
}

export async function doctor({ values }: CommandArgs): Promise<void> {
  const repair = values['repair'] === true;
  const { storage, where: kept } = await openStorage(values, repair);
  const out = (line: string): boolean => process.stdout.write(`${line}\n`);
  let checked = 0;
  let damaged = 0;
  try {
    const earlier = (await storage.listSetAside()).length;
    for (const space of await storage.listSpaces()) {
      if (space.sealed) {
        // Sealed documents are logs of messages the relay cannot read; their members' clients check them.
        out(
          `sealed   ${space.name}: ${(await storage.listDocuments(space.name)).length} document(s), not readable here`,
        );
        continue;
      }
      for (const { name } of await storage.listDocuments(space.name)) {
        checked++;
        const state = await storage.loadDocument(space.name, name);
        const rebuilt = rebuildDocument(state);
        try {
          const where = `${space.name}/${name}`;
          if (rebuilt.setAside.length === 0) {
            out(`ok       ${where} (${state.updates.length} updates after the snapshot, ${state.bytes} bytes)`);
            continue;
          }
          damaged++;
          out(`damaged  ${where}: ${rebuilt.setAside.length} stored part(s) cannot be loaded as stored`);
          for (const part of rebuilt.setAside)
            out(`           ${part.kind} ${part.seq} (${part.data.length} bytes): ${part.reason}`);
          if (repair) {
            const bytes = await storeRebuilt(storage, space.name, name, rebuilt, state);
            out(`repaired ${where}: parts set aside, document stored again as one snapshot of ${bytes} bytes`);
          }
        } finally {
          rebuilt.doc.destroy();
        }
      }
    }
    const summary = `checked ${checked} document(s): ${checked - damaged} loaded as stored, ${damaged} damaged`;
    out(damaged > 0 && repair ? `${summary}, all repaired` : summary);
    if (earlier > 0) out(`${earlier} part(s) set aside earlier are kept in the set_aside table of ${kept}`);
  } finally {
    await storage.close();
  }
  if (damaged > 0 && !repair)
    throw new CliError(`${damaged} damaged document(s); run again with --repair (stop the relay first)`);
}
