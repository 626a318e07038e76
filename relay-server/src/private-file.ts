/**
 * Writes an identity file readable by its owner only (0600), atomically, never over an existing file by
 * accident (the caller decides about overwriting).
 */
import { chmodSync, renameSync, writeFileSync } from 'node:fs';
import { serializeIdentity, type Identity } from '@enclave/shared';

export function writePrivateFile(file: string, identity: Identity): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, serializeIdentity(identity), { mode: 0o600, flag: 'wx' });
  chmodSync(temporary, 0o600);
  renameSync(temporary, file);
}
