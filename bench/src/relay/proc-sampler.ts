/**
 * Linux-only context for a phase: how often the server process was found blocked in uninterruptible
 * (disk) sleep, and the machine-wide CPU and IO pressure (PSI) over the phase. On a shared machine these
 * say whether a latency tail came from the server's own work, its disk waits, or from other tenants.
 */
import { readFileSync } from 'node:fs';

export interface ProcSample {
  /** Share of samples with the server in state D (uninterruptible sleep: waiting on the disk), %. */
  readonly diskWaitPct: number;
  /** Share of samples with the server running or runnable (R), %. */
  readonly runningPct: number;
  /** PSI "some" share over the phase: time at least one task waited for CPU / for IO, %. */
  readonly cpuPressurePct: number;
  readonly ioPressurePct: number;
}

function pressureTotalUs(resource: 'cpu' | 'io'): number | undefined {
  try {
    const match = /^some .*total=(\d+)/m.exec(readFileSync(`/proc/pressure/${resource}`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

function processState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return undefined;
  }
}

export class ProcSampler {
  private readonly counts = new Map<string, number>();
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly started = performance.now();
  private readonly cpu0 = pressureTotalUs('cpu');
  private readonly io0 = pressureTotalUs('io');

  constructor(private readonly pid: number) {
    this.timer = setInterval(() => {
      const state = processState(this.pid);
      if (state) this.counts.set(state, (this.counts.get(state) ?? 0) + 1);
    }, 5);
  }

  stop(): ProcSample {
    clearInterval(this.timer);
    const wallUs = (performance.now() - this.started) * 1000;
    const total = [...this.counts.values()].reduce((a, b) => a + b, 0) || NaN;
    const share = (resource: 'cpu' | 'io', start: number | undefined): number => {
      const end = pressureTotalUs(resource);
      return start === undefined || end === undefined ? NaN : (100 * (end - start)) / wallUs;
    };
    return {
      diskWaitPct: (100 * (this.counts.get('D') ?? 0)) / total,
      runningPct: (100 * (this.counts.get('R') ?? 0)) / total,
      cpuPressurePct: share('cpu', this.cpu0),
      ioPressurePct: share('io', this.io0),
    };
  }
}
