// Makes sure of a Python venv with JupyterLab and ipykernel from PyPI, and prints its folder.
//   node scripts/ensure-venv.mjs            the build venv (.venv): JupyterLab `build` of jupyterlab-versions.json,
//                                           whose jupyter-builder builds the labextension
//   node scripts/ensure-venv.mjs VERSION    a test venv (.venv-VERSION); VERSION may be "oldest" or "newest"
// A venv copied or moved from elsewhere (its scripts start the other folder's Python) or holding another
// JupyterLab is made again.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const pluginDir = new URL('..', import.meta.url).pathname;
const versions = JSON.parse(readFileSync(join(pluginDir, 'scripts', 'jupyterlab-versions.json'), 'utf8'));

const wanted = process.argv[2];
const version = versions[wanted] ?? wanted ?? versions.build;
if (!/^\d+\.\d+\.\d+$/.test(version)) throw new Error(`not a JupyterLab version: ${version}`);
const venv = join(pluginDir, version === versions.build ? '.venv' : `.venv-${version}`);
const python = join(venv, 'bin', 'python');
const log = (line) => process.stderr.write(`${line}\n`);

/** The installed JupyterLab version, or null when the venv is missing, broken or not this folder's. */
function installedVersion() {
  const lab = join(venv, 'bin', 'jupyter-lab');
  if (!existsSync(lab)) return null;
  if (version === versions.build && !existsSync(join(venv, 'bin', 'jupyter-builder'))) return null;
  if (readFileSync(lab, 'utf8').split('\n')[0] !== `#!${python}`) return null;
  try {
    return execFileSync(python, ['-c', 'import jupyterlab; print(jupyterlab.__version__)'], {
      encoding: 'utf8',
    }).trim();
  } catch {
    return null;
  }
}

const found = installedVersion();
if (found !== version) {
  log(`creating ${venv} with jupyterlab==${version} ipykernel${found ? ` (it held ${found})` : ''}`);
  rmSync(venv, { recursive: true, force: true });
  execFileSync('python3', ['-m', 'venv', venv], { stdio: ['ignore', 'inherit', 'inherit'] });
  execFileSync(python, ['-m', 'pip', 'install', '-q', `jupyterlab==${version}`, 'ipykernel'], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}
// The venv lies inside this "type": "module" package, so Node would load the CommonJS yarn.js that JupyterLab
// runs from site-packages as ESM ("Dynamic require of util is not supported": the stack trace
// `jupyter labextension list` printed). A package.json of its own makes the venv's JavaScript CommonJS again.
writeFileSync(join(venv, 'package.json'), '{ "type": "commonjs" }\n');
process.stdout.write(`${venv}\n`);
