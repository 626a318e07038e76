/** Every byte of every file in a folder (a relay's data folder: the SQLite database, WAL included). */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export function folderBytes(dir: string): Buffer {
  return Buffer.concat(readdirSync(dir).map((name) => readFileSync(join(dir, name))));
}
