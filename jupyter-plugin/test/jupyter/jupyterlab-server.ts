/**
 * A real JupyterLab for the browser tests: a test venv (created and filled from PyPI if missing) with the
 * JupyterLab that ENCLAVE_JUPYTERLAB names ("newest" by default, "oldest", or a version; see
 * scripts/jupyterlab-versions.json), the plugin package installed into it with pip, and a server on
 * 127.0.0.1 with a token and its own HOME and JUPYTER_* folders in a temp directory. Killed by `stop()`.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';

export const PLUGIN_DIR = findPluginDir(dirname(fileURLToPath(import.meta.url)));
const VERSIONS = JSON.parse(readFileSync(join(PLUGIN_DIR, 'scripts', 'jupyterlab-versions.json'), 'utf8')) as Record<
  string,
  string
>;
/** The JupyterLab version these tests run against. */
export const JUPYTERLAB_VERSION =
  VERSIONS[process.env['ENCLAVE_JUPYTERLAB'] ?? 'newest'] ?? process.env['ENCLAVE_JUPYTERLAB']!;
let venv: string | undefined;
/** What `jupyter labextension list` printed, once the plugin is installed (all spec files share the venv). */
let listing: string | undefined;

/** The jupyter-plugin folder: the nearest ancestor whose package.json is this package's. */
function findPluginDir(from: string): string {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === '@enclave/jupyter-plugin')
      return dir;
  }
  throw new Error(`no @enclave/jupyter-plugin package above ${from}`);
}

/**
 * Makes sure of the test venv (scripts/ensure-venv.mjs), installs this plugin package into it with pip, and
 * returns what `jupyter labextension list` prints there (colour codes removed). Once per test run: the
 * spec files share the venv.
 */
export function prepareEnvironment(log: (line: string) => void): string {
  listing ??= installPlugin(log);
  return listing;
}

function installPlugin(log: (line: string) => void): string {
  venv = execFileSync(process.execPath, [join(PLUGIN_DIR, 'scripts', 'ensure-venv.mjs'), JUPYTERLAB_VERSION], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  log(`pip install ./jupyter-plugin into ${venv}`);
  execFileSync(
    join(venv, 'bin', 'python'),
    ['-m', 'pip', 'install', '-q', '--no-deps', '--force-reinstall', PLUGIN_DIR],
    {
      stdio: 'inherit',
    },
  );
  const configDir = mkdtempSync(join(tmpdir(), 'enclave-jcfg-'));
  const result = spawnSync(join(venv, 'bin', 'jupyter'), ['labextension', 'list'], {
    encoding: 'utf8',
    env: { ...process.env, JUPYTER_CONFIG_DIR: configDir },
  });
  rmSync(configDir, { recursive: true, force: true });
  // jupyter prints the listing on stderr; strip the colour codes.
  const printed = `${result.stdout}${result.stderr}`.replace(
    new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'),
    '',
  );
  log(
    printed
      .split('\n')
      .find((l) => l.includes('@enclave/jupyter-plugin'))
      ?.trim() ?? 'plugin not listed',
  );
  return printed;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** The name of a second Python kernel each server offers besides `python3`. */
export const SECOND_KERNEL = 'enclave-second';

export interface JupyterLab {
  readonly url: string;
  readonly token: string;
  readonly rootDir: string;
  stop(): Promise<void>;
}

/** Starts JupyterLab with the plugin's settings preset (`settings`: plugin id -> settings object). */
export async function startJupyterLab(settings: Record<string, unknown>): Promise<JupyterLab> {
  if (!venv) throw new Error('prepareEnvironment() first');
  const base = mkdtempSync(join(tmpdir(), 'enclave-jlab-'));
  const dirs = {
    home: join(base, 'home'),
    config: join(base, 'config'),
    data: join(base, 'data'),
    runtime: join(base, 'runtime'),
    ipython: join(base, 'ipython'),
    root: join(base, 'root'),
  };
  Object.values(dirs).forEach((d) => mkdirSync(d, { recursive: true }));
  for (const [pluginId, value] of Object.entries(settings)) {
    const [pkg, name] = pluginId.split(':') as [string, string];
    const folder = join(dirs.config, 'lab', 'user-settings', pkg);
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, `${name}.jupyterlab-settings`), JSON.stringify(value));
  }
  // A second kernel, so that tests can change a notebook's kernel to one with another name.
  const secondKernel = join(dirs.data, 'kernels', SECOND_KERNEL);
  mkdirSync(secondKernel, { recursive: true });
  writeFileSync(
    join(secondKernel, 'kernel.json'),
    JSON.stringify({
      argv: [join(venv, 'bin', 'python'), '-m', 'ipykernel_launcher', '-f', '{connection_file}'],
      display_name: 'Python (second kernel)',
      language: 'python',
    }),
  );
  const port = await freePort();
  const token = randomBytes(16).toString('hex');
  const args = [
    '--no-browser',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    `--IdentityProvider.token=${token}`,
    '--LabApp.expose_app_in_browser=True',
    `--ServerApp.root_dir=${dirs.root}`,
    '--ServerApp.port_retries=0',
  ];
  if (process.getuid?.() === 0) args.push('--allow-root');
  const child: ChildProcess = spawn(join(venv, 'bin', 'jupyter-lab'), args, {
    env: {
      ...process.env,
      HOME: dirs.home,
      JUPYTER_CONFIG_DIR: dirs.config,
      JUPYTER_DATA_DIR: dirs.data,
      JUPYTER_RUNTIME_DIR: dirs.runtime,
      IPYTHONDIR: dirs.ipython,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`JupyterLab exited (${child.exitCode}):\n${output}`);
    try {
      const response = await fetch(`${url}/api/status?token=${token}`);
      if (response.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) throw new Error(`JupyterLab did not start in 60 s:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    token,
    rootDir: dirs.root,
    stop: () =>
      new Promise<void>((resolve) => {
        const done = (): void => {
          rmSync(base, { recursive: true, force: true });
          resolve();
        };
        if (child.exitCode !== null) return done();
        child.once('exit', done);
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
}
