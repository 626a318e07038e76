/** Locations the suites share. */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = join(here, '../../..');
export const FIXTURE_NOTEBOOKS = join(REPO_ROOT, '../shared/fixtures/notebooks');
export const ENCLAVE_BIN = join(REPO_ROOT, 'relay-server/bin/enclave.js');
