/**
 * What every run of the in-VS Code suite needs, web or desktop: a real relay on 127.0.0.1 (with its
 * stop/start control endpoint) and a workspace folder holding `enclave-test.json` (relay URL, control URL,
 * a relay admin identity for the tests' own set-up) and the fixture notebooks.
 */
import { copyFile, mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateIdentity, serializeIdentity } from '@enclave/shared';
import { ControlledRelay } from './relay-control.js';

const FIXTURES = fileURLToPath(new URL('../../../../../shared/fixtures/notebooks/', import.meta.url));

export interface TestWorkspace {
  readonly temp: string;
  readonly relay: ControlledRelay;
  readonly workspace: string;
}

export async function prepareTestWorkspace(): Promise<TestWorkspace> {
  const temp = await mkdtemp(join(tmpdir(), 'enclave-vscode-'));
  const admin = await generateIdentity('Test Admin');
  const relay = await ControlledRelay.create([admin.publicKey], join(temp, 'relay-data'));
  const url = await relay.start();
  const control = await relay.listenControl();
  const silentRelay = await relay.startSilent();
  const workspace = join(temp, 'workspace');
  await mkdir(join(workspace, 'fixtures'), { recursive: true });
  for (const name of await readdir(FIXTURES)) {
    if (name.endsWith('.ipynb')) await copyFile(join(FIXTURES, name), join(workspace, 'fixtures', name));
  }
  await writeFile(
    join(workspace, 'enclave-test.json'),
    JSON.stringify({
      relay: url,
      peerRelay: relay.peerUrl,
      silentRelay,
      control,
      admin: serializeIdentity(admin),
      // ENCLAVE_VSCODE_GREP runs only the tests whose title matches (as mocha's --grep), while working on them.
      grep: process.env['ENCLAVE_VSCODE_GREP'] ?? '',
    }),
  );
  return { temp, relay, workspace };
}
