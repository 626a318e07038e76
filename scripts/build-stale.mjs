#!/usr/bin/env node
// `npm start`'s build: only what is stale. TypeScript's project build (tsc -b) is incremental by itself; the
// JupyterLab plugin and the VS Code package (the slow parts, about 40 s together) are rebuilt only when a
// file they are made from is newer than what was made from it, or when it was never made (a fresh machine).
// `npm run build` still builds everything.
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');

/** Newest modification time (ms) of the files under `paths`, skipping build output and dependencies. */
function newest(paths) {
  let latest = 0;
  const visit = (path) => {
    if (!existsSync(path)) return;
    const stat = statSync(path);
    if (stat.isDirectory()) {
      for (const entry of readdirSync(path)) {
        if (!['node_modules', 'dist', 'lib', 'out', '.venv', 'labextension'].includes(entry)) visit(join(path, entry));
      }
    } else latest = Math.max(latest, stat.mtimeMs);
  };
  paths.forEach((p) => visit(join(root, p)));
  return latest;
}

/** Whether `output` is missing or older than any of `inputs`. */
function stale(output, inputs) {
  const made = join(root, output);
  return !existsSync(made) || statSync(made).mtimeMs < newest(inputs);
}

const run = (command) => execSync(command, { cwd: root, stdio: 'inherit' });
/** Marks an output as made now, even if the build left an identical file untouched. */
const made = (output) => existsSync(join(root, output)) && utimesSync(join(root, output), new Date(), new Date());

run('npx tsc -b');
const SHARED = ['shared/src', 'shared/package.json'];
if (
  stale('jupyter-plugin/enclave_jupyter/labextension/package.json', [
    ...SHARED,
    'jupyter-plugin/src',
    'jupyter-plugin/schema',
    'jupyter-plugin/style',
    'jupyter-plugin/package.json',
    'jupyter-plugin/tsconfig.json',
  ])
) {
  run('npm run build --silent -w jupyter-plugin');
  made('jupyter-plugin/enclave_jupyter/labextension/package.json');
}
if (
  stale('extension/enclave.vsix', [
    ...SHARED,
    'extension/src',
    'extension/package.json',
    'extension/webpack.config.js',
    'extension/tsconfig.json',
    'extension/README.md',
  ])
) {
  run('npm run package:vscode --silent -w extension');
  made('extension/enclave.vsix');
}
