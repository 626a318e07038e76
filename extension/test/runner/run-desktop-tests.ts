/**
 * `npm run test:vscode:desktop`: the same suite as `test:vscode`, inside desktop VS Code, through
 * @vscode/test-electron. It downloads VS Code from Microsoft on first use, which this project's machines
 * cannot reach (CI runs the web build instead); on a machine that can, it needs no other set-up.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTests } from '@vscode/test-electron';
import { prepareTestWorkspace } from './test-workspace.js';

const EXTENSION_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

async function main(): Promise<number> {
  const { temp, relay, workspace } = await prepareTestWorkspace();
  try {
    const code = await runTests({
      extensionDevelopmentPath: EXTENSION_ROOT,
      // The suite bundle targets web workers and uses only globals desktop VS Code also has.
      extensionTestsPath: join(EXTENSION_ROOT, 'dist', 'test', 'suite.cjs'),
      launchArgs: [workspace, '--disable-extensions', '--skip-welcome', '--skip-release-notes'],
    });
    return code;
  } catch (error) {
    console.error(`desktop VS Code suite failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    await relay.close();
    await rm(temp, { recursive: true, force: true });
  }
}

process.exit(await main());
