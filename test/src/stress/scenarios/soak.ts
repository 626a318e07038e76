/**
 * Soak: rooms x clients editing at a steady rate for minutes, through the benchmark's own pieces (its relay
 * child process and load generators, bench/src/relay), with the relay's RSS sampled every few seconds and
 * its slope (MB/min) fitted by least squares.
 *
 * The load generator appends every edit, so the documents grow for real and so does the relay's memory:
 * each appended edit costs about EDIT_BYTES in a Yjs document (measured: 192,000 such edits by 4 writers in
 * 100 Y.Text, RSS delta / edits). The bound is twice that growth (at least 5 MB/min): a leak of the order
 * of the content itself (a frame, a promise or a buffer kept per edit) exceeds it; a smaller one would hide
 * in the content's growth, which only a longer soak with bounded documents would expose.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ask, type PhaseResult } from '@enclave/bench/relay/ipc';
import { generateIdentity } from '@enclave/shared';
import { REPO_ROOT } from '../../support/paths.js';
import { Lead } from '../lead.js';
import type { Report } from '../report.js';

export interface SoakOptions {
  readonly minutes: number;
  readonly rooms: number;
  readonly clientsPerRoom: number;
  readonly editsPerSecond: number;
  readonly sampleMs: number;
  readonly loadgens: number;
}

const BENCH = join(REPO_ROOT, 'bench/dist/relay');
/** The bench's load generator and relay child name their space this. */
const BENCH_SPACE = 'bench';
/** Memory one appended edit takes in a Yjs document, bytes (see the module comment). */
const EDIT_BYTES = 510;
const PHASE_MS = 60_000;

function rssMb(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}

/** Least-squares slope of y over x. */
export function slope(points: readonly [number, number][]): number {
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const sxy = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return sxx === 0 ? NaN : sxy / sxx;
}

const start = (script: string, args: string[]): ChildProcess =>
  fork(join(BENCH, script), args, { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });

export async function soak(report: Report, options: SoakOptions): Promise<void> {
  const section = 'soak';
  const dataDir = mkdtempSync(join(tmpdir(), 'enclave-stress-soak-'));
  const admin = await generateIdentity('Lead');
  const members = await Promise.all(
    Array.from({ length: options.clientsPerRoom }, (_, i) => generateIdentity(`S${i}`)),
  );
  const server = start('server-process.js', ['enclave', dataDir, admin.publicKey]);
  const loadgens: ChildProcess[] = [];
  let died = false;
  server.on('exit', () => (died = true));
  const samples: [number, number][] = [];
  let sampler: ReturnType<typeof setInterval> | undefined;
  try {
    const { url } = await ask<{ type: string; url: string }>(server, undefined, 'ready', 30_000);
    const lead = await Lead.open(url, admin, BENCH_SPACE, true);
    for (const member of members) await lead.grant(member, 'editor');
    lead.close();
    const rooms = Array.from({ length: options.rooms }, (_, i) => `soak-${i}`);
    for (let i = 0; i < options.loadgens; i++) loadgens.push(start('loadgen-process.js', []));
    await Promise.all(
      loadgens.map((lg, i) =>
        ask(
          lg,
          {
            type: 'setup',
            kind: 'enclave',
            urls: [url],
            rooms: rooms.filter((_, r) => r % options.loadgens === i),
            clientsPerRoom: options.clientsPerRoom,
            members,
          },
          'ready',
          180_000,
        ),
      ),
    );
    const t0 = performance.now();
    const minutes = (): number => (performance.now() - t0) / 60_000;
    samples.push([0, rssMb(server.pid!)]);
    sampler = setInterval(() => {
      if (!died) samples.push([minutes(), rssMb(server.pid!)]);
    }, options.sampleMs);
    let sent = 0;
    let lost = 0;
    let disconnects = 0;
    const soakMs = options.minutes * 60_000;
    while (!died && performance.now() - t0 < soakMs) {
      const durationMs = Math.max(1_000, Math.min(PHASE_MS, soakMs - (performance.now() - t0)));
      const results = await Promise.all(
        loadgens.map((lg) =>
          ask<PhaseResult>(
            lg,
            // No late window: an edit not delivered within the drain counts as lost, as the soak always did.
            { type: 'phase', name: 'soak', rate: options.editsPerSecond, durationMs, drainMs: 5_000, lateMs: 0 },
            'phase-result',
            durationMs + 60_000,
          ),
        ),
      );
      for (const r of results) {
        sent += r.sent;
        lost += r.lostEdits;
        disconnects += r.disconnects;
      }
    }
    clearInterval(sampler);
    const fitted = slope(samples);
    const editsPerMinute = options.rooms * options.clientsPerRoom * options.editsPerSecond * 60;
    const contentMbPerMinute = (editsPerMinute * EDIT_BYTES) / 2 ** 20;
    const bound = Math.max(5, 2 * contentMbPerMinute);
    report.figure(
      section,
      'load',
      `${options.rooms} rooms x ${options.clientsPerRoom} clients x ${options.editsPerSecond} edits/s, ${minutes().toFixed(1)} min`,
    );
    report.figure(section, 'edits', sent);
    report.figure(section, 'edits lost', lost);
    report.figure(section, 'client disconnects', disconnects);
    report.figure(section, 'RSS samples', samples.length);
    report.figure(section, 'RSS first / last', `${samples[0]![1].toFixed(1)} / ${samples.at(-1)![1].toFixed(1)} MB`);
    report.figure(section, 'RSS slope', `${fitted.toFixed(2)} MB/min`);
    report.figure(section, 'content growth (estimate)', `${contentMbPerMinute.toFixed(2)} MB/min`);
    report.invariant(
      'soak: every edit delivered, no disconnect',
      lost === 0 && disconnects === 0,
      `${lost} lost, ${disconnects} disconnects`,
    );
    if (options.minutes >= 5) {
      report.invariant(
        'soak: memory bounded',
        fitted < bound,
        `slope ${fitted.toFixed(2)} MB/min, bound ${bound.toFixed(1)} MB/min`,
      );
    } else {
      report.figure(section, 'memory bound', `not asserted: a ${options.minutes} min soak is warm-up, not a trend`);
    }
    report.invariant('relay never dies (soak)', !died);
  } finally {
    clearInterval(sampler);
    await Promise.all(
      loadgens.map((lg) => ask(lg, { type: 'close' }, 'closed', 30_000).catch(() => lg.kill('SIGKILL'))),
    );
    await ask(server, { type: 'stop' }, 'stopped', 30_000).catch(() => server.kill('SIGKILL'));
    if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
}
