/**
 * `enclave identity new|show`: key pairs for people, in the identity file shared with the editors.
 */
import { existsSync } from 'node:fs';
import { fingerprint, generateIdentity } from '@enclave/shared';
import { writePrivateFile } from '../../private-file.js';
import { CliError, usageError } from '../cli-error.js';
import { readIdentityFile } from '../remote.js';
import type { CommandArgs } from '../command.js';

export async function identityNew({ values }: CommandArgs): Promise<void> {
  const name = values['name'];
  const out = values['out'];
  if (typeof name !== 'string' || name.trim() === '') throw usageError('identity new needs --name NAME');
  if (typeof out !== 'string') throw usageError('identity new needs --out FILE');
  if (existsSync(out) && !values['force']) {
    throw new CliError(`${out} exists; pass --force to replace it (the old key is then lost)`);
  }
  const identity = await generateIdentity(name.trim());
  writePrivateFile(out, identity);
  process.stdout.write(`${identity.publicKey}\n`);
  process.stderr.write(`wrote ${out} (mode 0600); fingerprint ${await fingerprint(identity.publicKey)}\n`);
}

export async function identityShow({ values }: CommandArgs): Promise<void> {
  const file = (values['identity'] as string | undefined) ?? process.env['ENCLAVE_IDENTITY'];
  if (!file) throw usageError('identity show needs --identity FILE (or ENCLAVE_IDENTITY)');
  const identity = readIdentityFile(file);
  if (values['json']) {
    const { name, publicKey } = identity;
    process.stdout.write(`${JSON.stringify({ name, publicKey, fingerprint: await fingerprint(publicKey) })}\n`);
  } else {
    process.stdout.write(
      `${identity.name}\n${identity.publicKey}\nfingerprint ${await fingerprint(identity.publicKey)}\n`,
    );
  }
}
