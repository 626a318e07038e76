// Creates jupyter-plugin/.venv with JupyterLab 4.6.4 and ipykernel from PyPI when it is missing.
// The labextension build (jupyter-builder) and the JupyterLab tests both run from it.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const pluginDir = new URL('..', import.meta.url).pathname;
const venv = join(pluginDir, '.venv');
const python = join(venv, 'bin', 'python');
const requirements = ['jupyterlab==4.6.4', 'ipykernel'];

if (!existsSync(join(venv, 'bin', 'jupyter-lab')) || !existsSync(join(venv, 'bin', 'jupyter-builder'))) {
  console.log(`creating ${venv} with ${requirements.join(' ')}`);
  if (!existsSync(python)) execFileSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' });
  execFileSync(python, ['-m', 'pip', 'install', '-q', ...requirements], { stdio: 'inherit' });
}
