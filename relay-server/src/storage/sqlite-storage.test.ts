import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStorage } from './sqlite-storage.js';
import { describeStorageConformance } from './storage-conformance.js';

const folders: string[] = [];
let file = '';
after(() => folders.forEach((f) => rmSync(f, { recursive: true, force: true })));

describeStorageConformance('sqlite', {
  create: async () => {
    const folder = mkdtempSync(join(tmpdir(), 'enclave-sqlite-'));
    folders.push(folder);
    file = join(folder, 'enclave.sqlite');
    return new SqliteStorage(file);
  },
  reopen: async () => new SqliteStorage(file),
});
