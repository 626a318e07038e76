/** Which storage a command works on (`enclave relay`, `enclave doctor`): SQLite in the data folder or PostgreSQL. */
import { usageError } from './cli-error.js';

/**
 * Where the relay stores: `--storage`, else ENCLAVE_STORAGE, else SQLite in the data folder. Resolves with a
 * PostgreSQL URL, or undefined for SQLite.
 */
export function storageChoice(flag: string | undefined): string | undefined {
  const choice = (flag ?? process.env['ENCLAVE_STORAGE'] ?? 'sqlite').trim();
  if (choice === 'sqlite' || choice === '') return undefined;
  if (/^postgres(ql)?:\/\//.test(choice)) return choice;
  throw usageError('--storage (or ENCLAVE_STORAGE) is sqlite or a postgres:// URL');
}

/** A URL fit for the terminal: its password, if any, replaced. */
export function redactPassword(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^:@/]*:)[^@/]*@/, '$1***@');
}
