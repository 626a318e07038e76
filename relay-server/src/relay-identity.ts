/**
 * The relay's own Ed25519 key: its id in every handshake, so a client's signature is bound to this relay.
 * Kept in the data folder with mode 0600 so that the id survives restarts; relays of one service share one
 * file (`--relay-identity FILE`), so a client pinned to the service meets the same id on each of them.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, linkSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { generateIdentity, type Identity, parseIdentity } from '@enclave/shared';
import { writePrivateFile } from './private-file.js';

export const RELAY_IDENTITY_FILE = 'relay-identity.json';

export async function loadOrCreateRelayIdentity(dataDir: string): Promise<Identity> {
  return loadOrCreateIdentityFile(join(dataDir, RELAY_IDENTITY_FILE));
}

/**
 * The relay key in `file`, created (mode 0600) if missing. Several relays starting together on a shared
 * volume may race to create it: the loser's rename would replace the winner's key, so creation goes through
 * a hard link that fails if the file exists, and everyone then reads what won.
 */
export async function loadOrCreateIdentityFile(file: string): Promise<Identity> {
  if (!existsSync(file)) {
    const draft = `${file}.${randomUUID()}.new`;
    writePrivateFile(draft, await generateIdentity('relay'));
    try {
      linkSync(draft, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      rmSync(draft, { force: true });
    }
  }
  try {
    return parseIdentity(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`relay identity ${file}: ${(error as Error).message}`);
  }
}
