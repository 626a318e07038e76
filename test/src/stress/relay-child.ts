/**
 * The parent's handle on a relay process: its URL, its RSS, and whether it died on its own (an invariant:
 * the relay never dies unless the suite kills it).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RelayProcessConfig } from './relay-process.js';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'relay-process.js');
const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 20_000;

/** Every relay child alive, so that the runner can kill them all on its way out. */
export const liveRelays = new Set<RelayChild>();

export class RelayChild {
  /** Set when the process exited without being asked to (SIGKILL or SIGTERM from the suite). */
  diedOnItsOwn: string | undefined;
  private expectingExit = false;
  private output = '';
  private readonly exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {
    this.exited = new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
  }

  static async start(config: RelayProcessConfig): Promise<RelayChild> {
    const child = spawn(process.execPath, [SCRIPT, JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error('relay did not start in time')), START_TIMEOUT_MS);
      const onData = (chunk: Buffer): void => {
        output += chunk.toString();
        const match = /listening (wss?:\/\/\S+)/.exec(output);
        if (match) finish(match[1]!);
      };
      const onExit = (code: number | null): void => fail(new Error(`relay exited (${code}) while starting`));
      function finish(found: string): void {
        clearTimeout(timer);
        child.off('exit', onExit);
        resolve(found);
      }
      function fail(error: Error): void {
        clearTimeout(timer);
        child.kill('SIGKILL');
        reject(new Error(`${error.message}\n${output}`));
      }
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', onExit);
    });
    const relay = new RelayChild(child, url);
    relay.output = output;
    child.stdout!.on('data', (chunk: Buffer) => relay.keep(chunk));
    child.stderr!.on('data', (chunk: Buffer) => relay.keep(chunk));
    child.on('exit', (code, signal) => {
      liveRelays.delete(relay);
      if (!relay.expectingExit) relay.diedOnItsOwn = `exit code ${code}, signal ${signal}`;
    });
    liveRelays.add(relay);
    return relay;
  }

  get pid(): number {
    return this.child.pid!;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The last lines the relay logged (warnings and errors), for a failure's detail. */
  get logTail(): string {
    return this.output.split('\n').slice(-20).join('\n');
  }

  /** Resident set size now, bytes (Linux /proc). */
  rssBytes(): number {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'));
    if (!match) throw new Error('no VmRSS for the relay');
    return Number(match[1]) * 1024;
  }

  /** SIGKILL, and wait until it is gone. */
  async kill(): Promise<void> {
    this.expectingExit = true;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM (graceful: documents stored); SIGKILL if it takes too long. Resolves with the exit code. */
  async stop(): Promise<number | null> {
    this.expectingExit = true;
    if (!this.alive) return this.child.exitCode;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await this.exited;
    clearTimeout(timer);
    return this.child.exitCode;
  }

  private keep(chunk: Buffer): void {
    this.output = (this.output + chunk.toString()).slice(-20_000);
  }
}
