#!/usr/bin/env node
// `npm start`: a relay on 127.0.0.1 with its data in ./enclave-data, and you as its admin.
// Creates your identity on first run, prints how to connect, then runs the relay until Ctrl-C.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join, relative } from 'node:path';
import { createInterface } from 'node:readline/promises';

const root = join(import.meta.dirname, '..');
const enclave = join(root, 'relay-server/bin/enclave.js');
const data = process.env.ENCLAVE_DATA ?? join(root, 'enclave-data');
const port = process.env.ENCLAVE_PORT ?? '8787';
const identityFile = join(data, 'you.identity.json');

/** `git config user.name`, if git is there and it is set. */
function gitUserName() {
  try {
    return execFileSync('git', ['config', 'user.name'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return '';
  }
}

/**
 * The name others will see for you: git's user.name if set; else asked for when a terminal is attached;
 * else "Lead". Never the operating-system account (often "root" on a lab server).
 */
async function chooseName(fallback = 'Lead') {
  const fromGit = gitUserName();
  if (fromGit) return fromGit;
  if (!process.stdin.isTTY) return fallback;
  const prompt = createInterface({ input: process.stdin, output: process.stdout });
  const answer = (await prompt.question(`Your name, as others in your spaces will see it [${fallback}]: `)).trim();
  prompt.close();
  return answer || fallback;
}

mkdirSync(data, { recursive: true, mode: 0o700 });
if (!existsSync(identityFile)) {
  execFileSync(process.execPath, [enclave, 'identity', 'new', '--name', await chooseName(), '--out', identityFile], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
} else {
  // Earlier versions of this script named you after the operating-system account: name you properly once.
  const identity = JSON.parse(readFileSync(identityFile, 'utf8'));
  if (identity.name === userInfo().username) {
    identity.name = await chooseName(identity.name);
    writeFileSync(identityFile, `${JSON.stringify(identity, null, 2)}\n`, { mode: 0o600 });
  }
}
const { publicKey, name } = JSON.parse(readFileSync(identityFile, 'utf8'));
const url = `ws://127.0.0.1:${port}`;
const shown = relative(process.cwd(), identityFile) || identityFile;
const built = (dir, pattern) =>
  existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => pattern.test(f))
        .map((f) => join(dir, f))
    : [];
const vsix = built(join(root, 'extension'), /\.vsix$/);
const labextension = existsSync(join(root, 'jupyter-plugin/enclave_jupyter/labextension/package.json'));

process.stdout.write(`
Enclave relay on ${url} (data in ${relative(process.cwd(), data) || data}); you are its admin.
  your name:     ${name}   (change it in ${shown})
  your identity: ${shown}
  your key:      ${publicKey}

Try it from another terminal:
  export ENCLAVE_RELAY=${url} ENCLAVE_IDENTITY=${identityFile}
  npx enclave space create lab
  npx enclave push lab/demo.ipynb ../shared/fixtures/notebooks/Main_Demo.ipynb
  npx enclave identity new --name Colleague --out colleague.json   # they send you their key
  npx enclave grant lab <their key> --role editor
${vsix.length ? `VS Code extension: code --install-extension ${vsix[0]}\n` : ''}${
  labextension
    ? `JupyterLab plugin: pip install ${join(root, 'jupyter-plugin')}   (into your JupyterLab 4.6 environment)\n`
    : ''
}
`);

const relay = spawn(
  process.execPath,
  [enclave, 'relay', '--data', join(data, 'relay'), '--host', '127.0.0.1', '--port', port, '--admin', publicKey],
  {
    stdio: 'inherit',
  },
);
const stop = () => relay.kill('SIGTERM');
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
relay.on('exit', (code) => process.exit(code ?? 0));
