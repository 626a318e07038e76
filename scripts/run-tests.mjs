#!/usr/bin/env node
// Runs every check and test suite in order, prints each suite's counts, and ends with one line
// "N passed, N failed" summed over all of them (what CI reads). Exit code 1 if anything failed.
// Usage: node scripts/run-tests.mjs [suite ...]   (no names: all suites but the on-demand ones)
import { spawn } from 'node:child_process';

/** Each suite: a command, and how its output turns into counts. */
const SUITES = [
  {
    name: 'typecheck',
    command: 'npx tsc -b && npm run typecheck --silent -w jupyter-plugin && npm run typecheck --silent -w extension',
    kind: 'check',
  },
  { name: 'lint', command: 'npx eslint . && npx prettier --check . --log-level warn', kind: 'check' },
  // Includes the PostgreSQL storage and restart tests: each starts a private PostgreSQL (scripts/setup.sh
  // installs Debian's postgresql; relay-server/src/testing/private-postgres.ts).
  // Two test files at a time: most of core's time is waiting (processes starting, relays timing out).
  { name: 'core', command: 'npx mocha --parallel --jobs 2', kind: 'mocha' },
  // Part of core (it needs Debian's redis-server and postgresql, which scripts/setup.sh installs); alone for
  // quick runs. relay-processes.test.ts runs real `enclave relay` processes on a private PostgreSQL and Redis.
  {
    name: 'cluster',
    command: 'npx mocha --no-config --timeout 60000 --exit "test/dist/cluster/**/*.test.js"',
    kind: 'mocha',
    onDemand: true,
  },
  { name: 'vscode-unit', command: 'npm run test:unit --silent -w extension', kind: 'mocha' },
  { name: 'vscode', command: 'npm run test:vscode --silent -w extension', kind: 'mocha' },
  { name: 'jupyter-unit', command: 'npm run test:unit --silent -w jupyter-plugin', kind: 'mocha' },
  // The JupyterLab suite on both ends of the supported range (jupyter-plugin/scripts/jupyterlab-versions.json):
  // the newest release on one SQLite relay, then the oldest on the two-relay cluster (PostgreSQL and Redis,
  // ENCLAVE_TEST_CLUSTER=1, see below), each in its own venv (made once, about a minute). Every JupyterLab
  // end meets one relay configuration in CI; the on-demand suites give the other two pairings.
  { name: 'jupyter', command: 'npm run test:jupyter --silent -w jupyter-plugin', kind: 'mocha' },
  {
    name: 'jupyter-oldest-cluster',
    command: 'ENCLAVE_TEST_CLUSTER=1 ENCLAVE_JUPYTERLAB=oldest npm run test:jupyter --silent -w jupyter-plugin',
    kind: 'mocha',
  },
  {
    name: 'jupyter-oldest',
    command: 'ENCLAVE_JUPYTERLAB=oldest npm run test:jupyter --silent -w jupyter-plugin',
    kind: 'mocha',
    onDemand: true,
  },
  { name: 'e2e', command: 'npm run test:e2e --silent', kind: 'mocha' },
  // The editors' suites against two relays on PostgreSQL and Redis (ENCLAVE_TEST_CLUSTER=1,
  // relay-server/src/testing/cluster-relay.ts): e2e with VS Code on one relay and JupyterLab on the other; the
  // VS Code and JupyterLab suites with the editor on one and the tests' own clients on the other.
  { name: 'e2e-cluster', command: 'ENCLAVE_TEST_CLUSTER=1 npm run test:e2e --silent', kind: 'mocha' },
  {
    name: 'vscode-cluster',
    command: 'ENCLAVE_TEST_CLUSTER=1 npm run test:vscode --silent -w extension',
    kind: 'mocha',
  },
  {
    name: 'jupyter-cluster',
    command: 'ENCLAVE_TEST_CLUSTER=1 npm run test:jupyter --silent -w jupyter-plugin',
    kind: 'mocha',
    onDemand: true,
  },
  // The stress suite's short configuration (about 60 s; `npm run stress` is the full one); one invariant per
  // "test".
  { name: 'stress-quick', command: 'node test/dist/stress/run.js --quick', kind: 'mocha' },
];

function run(command) {
  return new Promise((resolve) => {
    const child = spawn(command, { shell: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const echo = (stream) => (chunk) => {
      output += chunk;
      stream.write(chunk);
    };
    child.stdout.on('data', echo(process.stdout));
    child.stderr.on('data', echo(process.stderr));
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

/** Mocha's spec reporter ends with "N passing" and, if any, "N failing". */
function mochaCounts(output, code) {
  const passing = [...output.matchAll(/^\s*(\d+) passing/gm)].reduce((n, m) => n + Number(m[1]), 0);
  const failing = [...output.matchAll(/^\s*(\d+) failing/gm)].reduce((n, m) => n + Number(m[1]), 0);
  // A crash before mocha's summary (or no tests at all) must not pass silently.
  if (code !== 0 && failing === 0) return { passed: passing, failed: 1 };
  if (passing + failing === 0) return { passed: 0, failed: 1 };
  return { passed: passing, failed: failing };
}

const wanted = process.argv.slice(2);
const suites = wanted.length ? SUITES.filter((s) => wanted.includes(s.name)) : SUITES.filter((s) => !s.onDemand);
const results = [];
for (const suite of suites) {
  const started = Date.now();
  process.stdout.write(`\n=== ${suite.name}: ${suite.command}\n`);
  const { code, output } = await run(suite.command);
  const counts =
    suite.kind === 'mocha'
      ? mochaCounts(output, code)
      : code === 0
        ? { passed: 1, failed: 0 }
        : { passed: 0, failed: 1 };
  results.push({ name: suite.name, ...counts, seconds: (Date.now() - started) / 1000 });
}

process.stdout.write('\nSuite            passed  failed  seconds\n');
for (const r of results) {
  process.stdout.write(
    `${r.name.padEnd(16)} ${String(r.passed).padStart(6)}  ${String(r.failed).padStart(6)}  ${r.seconds.toFixed(1).padStart(7)}\n`,
  );
}
const passed = results.reduce((n, r) => n + r.passed, 0);
const failed = results.reduce((n, r) => n + r.failed, 0);
process.stdout.write(`${passed} passed, ${failed} failed\n`);
process.exitCode = failed === 0 ? 0 : 1;
