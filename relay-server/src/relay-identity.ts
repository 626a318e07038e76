/**
 * The relay's own Ed25519 key: its id in every handshake, so a client's signature is bound to this relay.
 * Kept in the data folder with mode 0600 so that the id survives restarts.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateIdentity, type Identity, parseIdentity } from '@enclave/shared';
import { writePrivateFile } from './private-file.js';

export const RELAY_IDENTITY_FILE = 'relay-identity.json';

export async function loadOrCreateRelayIdentity(dataDir: string): Promise<Identity> {
  const file = join(dataDir, RELAY_IDENTITY_FILE);
  if (existsSync(file)) return parseIdentity(readFileSync(file, 'utf8'));
  const identity = await generateIdentity('relay');
  writePrivateFile(file, identity);
  return identity;
}
