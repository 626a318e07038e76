/**
 * Runs the real `enclave` CLI as a child process, and a relay through it.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { ENCLAVE_BIN } from './paths.js';
import { waitFor } from './wait.js';

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function runCli(
  args: readonly string[],
  env: Record<string, string> = {},
  timeoutMs = 60_000,
): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [ENCLAVE_BIN, ...args],
      { env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

export interface RelayProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly output: () => string;
  /** SIGTERM and wait for exit; resolves with the exit code. */
  stop(): Promise<number | null>;
  kill(signal: NodeJS.Signals): Promise<void>;
}

export async function startRelayProcess(
  dataDir: string,
  admin: string,
  port = 0,
  extra: { readonly args?: readonly string[]; readonly env?: Record<string, string> } = {},
): Promise<RelayProcess> {
  const child = spawn(
    process.execPath,
    [
      ENCLAVE_BIN,
      'relay',
      '--data',
      dataDir,
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--admin',
      admin,
      ...(extra.args ?? []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...extra.env } },
  );
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await waitFor(() => /ws:\/\/\S+/.test(stdout) || child.exitCode !== null, 'relay prints its URL', 15_000);
  const match = /(ws:\/\/[0-9.:]+)/.exec(stdout);
  if (!match) throw new Error(`relay did not start:\n${stdout}\n${stderr}`);
  return {
    child,
    url: match[1]!,
    output: () => stdout + stderr,
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
    async kill(signal) {
      child.kill(signal);
      await exited;
    },
  };
}
