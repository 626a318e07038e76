/** Percentiles and the side-by-side table printed at the end of a run. */
import { SERVER_LABELS, type ServerKind } from './ipc.js';

export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export interface PhaseFigures {
  readonly edits: number;
  readonly targetEdits: number;
  readonly deliveries: number;
  readonly expectedDeliveries: number;
  /** Not delivered to everyone within the drain, but by the end of the late window after it. */
  readonly lateEdits: number;
  readonly lostEdits: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly serverCpuMs: number;
  readonly serverCpuMsPerEdit: number;
  /** The kernel's part of it (system time: sockets, file writes). */
  readonly serverSystemMsPerEdit: number;
  /** Server CPU as a share of one core over the phase. */
  readonly serverCorePct: number;
  /** The server's own event-loop delay over the phase, ms. */
  readonly serverLoopDelayP99Ms: number;
  readonly serverLoopDelayMaxMs: number;
  /** Load generator CPU as a share of one core: the busiest generator process, and all of them. */
  readonly loadgenCorePct: number;
  readonly loadgenTotalCorePct: number;
  readonly maxSchedulerLagMs: number;
  /** Server found in disk wait / running (sampled every 5 ms), machine-wide CPU and IO pressure, %. */
  readonly serverDiskWaitPct: number;
  readonly serverRunningPct: number;
  readonly cpuPressurePct: number;
  readonly ioPressurePct: number;
  readonly disconnects: number;
  /** Clusters only: where the CPU went (ms per edit) and what the engines were asked per edit. */
  readonly relaysCpuMsPerEdit?: number;
  readonly redisCpuMsPerEdit?: number;
  readonly postgresCpuMsPerEdit?: number;
  readonly pgStatementsPerEdit?: number;
  readonly pgCommitsPerEdit?: number;
  readonly redisCommandsPerEdit?: number;
}

export interface ServerFigures {
  readonly kind: ServerKind;
  readonly phases: Record<string, PhaseFigures>;
  readonly peakRssLoadBytes: number;
  readonly peakRssBytes: number;
  readonly joinMs: number | undefined;
  readonly joinConverged: boolean | undefined;
  readonly error?: string;
}

type Row = { label: string; value: (s: ServerFigures) => number | undefined; digits: number; ratio: boolean };

function fmt(value: number | undefined, digits: number): string {
  if (value === undefined || Number.isNaN(value)) return 'n/a';
  return value.toFixed(digits);
}

export function renderTable(results: readonly ServerFigures[], phaseNames: readonly string[]): string {
  const reference = results.find((r) => r.kind === 'reference');
  const rows: Row[] = [];
  for (const name of phaseNames) {
    const ph = (s: ServerFigures): PhaseFigures | undefined => s.phases[name];
    rows.push(
      { label: `${name}: edits sent (target)`, value: (s) => ph(s)?.edits, digits: 0, ratio: false },
      { label: `${name}: fan-out p50 ms`, value: (s) => ph(s)?.p50, digits: 2, ratio: true },
      { label: `${name}: fan-out p99 ms`, value: (s) => ph(s)?.p99, digits: 2, ratio: true },
      { label: `${name}: fan-out max ms`, value: (s) => ph(s)?.max, digits: 1, ratio: true },
      { label: `${name}: edits lost`, value: (s) => ph(s)?.lostEdits, digits: 0, ratio: false },
      { label: `${name}: server CPU ms/edit`, value: (s) => ph(s)?.serverCpuMsPerEdit, digits: 4, ratio: true },
      {
        label: `${name}: of which system ms/edit`,
        value: (s) => ph(s)?.serverSystemMsPerEdit,
        digits: 4,
        ratio: true,
      },
      { label: `${name}: server CPU % of a core`, value: (s) => ph(s)?.serverCorePct, digits: 0, ratio: true },
      { label: `${name}: server loop delay p99 ms`, value: (s) => ph(s)?.serverLoopDelayP99Ms, digits: 1, ratio: true },
      { label: `${name}: server loop delay max ms`, value: (s) => ph(s)?.serverLoopDelayMaxMs, digits: 1, ratio: true },
      { label: `${name}: load gen CPU % core, busiest`, value: (s) => ph(s)?.loadgenCorePct, digits: 0, ratio: false },
      { label: `${name}: load gen CPU % core, all`, value: (s) => ph(s)?.loadgenTotalCorePct, digits: 0, ratio: false },
      { label: `${name}: load gen max lag ms`, value: (s) => ph(s)?.maxSchedulerLagMs, digits: 1, ratio: false },
      { label: `${name}: server in disk wait %`, value: (s) => ph(s)?.serverDiskWaitPct, digits: 1, ratio: false },
      { label: `${name}: server running %`, value: (s) => ph(s)?.serverRunningPct, digits: 1, ratio: false },
      { label: `${name}: machine CPU pressure %`, value: (s) => ph(s)?.cpuPressurePct, digits: 0, ratio: false },
      { label: `${name}: machine IO pressure %`, value: (s) => ph(s)?.ioPressurePct, digits: 1, ratio: false },
    );
  }
  rows.push(
    { label: 'peak RSS MB (load phases)', value: (s) => s.peakRssLoadBytes / 2 ** 20, digits: 1, ratio: true },
    { label: 'peak RSS MB (incl. join)', value: (s) => s.peakRssBytes / 2 ** 20, digits: 1, ratio: true },
    { label: 'join ms (notebook + edits)', value: (s) => s.joinMs, digits: 1, ratio: true },
  );
  const others = results.filter((r) => r !== reference);
  const header = ['metric', ...results.map((r) => SERVER_LABELS[r.kind]), ...others.map((r) => `${r.kind}/ref`)];
  const body = rows.map((row) => {
    const ref = reference ? row.value(reference) : undefined;
    const values = results.map((r) => {
      const v = row.value(r);
      const target = row.label.includes('(target)') ? r.phases[row.label.split(':')[0]!]?.targetEdits : undefined;
      return target !== undefined ? `${fmt(v, 0)} (${target})` : fmt(v, row.digits);
    });
    const ratios = others.map((r) => {
      if (!row.ratio) return '';
      const v = row.value(r);
      return ref === undefined || v === undefined || ref === 0 ? 'n/a' : (v / ref).toFixed(2);
    });
    return [row.label, ...values, ...ratios];
  });
  const all = [header, ...body];
  const widths = header.map((_, c) => Math.max(...all.map((line) => line[c]!.length)));
  const line = (cells: string[]): string =>
    `| ${cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, c) => (c === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  const notes = results
    .flatMap((r) => [
      r.error ? `${r.kind}: FAILED: ${r.error.split('\n')[0]}` : '',
      r.joinConverged === false ? `${r.kind}: the joining client did NOT converge` : '',
      ...Object.entries(r.phases).map(([name, p]) =>
        p.disconnects > 0 || p.deliveries < p.expectedDeliveries
          ? `${r.kind} ${name}: ${p.deliveries}/${p.expectedDeliveries} deliveries, ${p.disconnects} disconnects`
          : '',
      ),
    ])
    .filter(Boolean);
  return [line(header), rule, ...body.map(line), ...notes.map((n) => `note: ${n}`)].join('\n');
}

function median(values: number[]): number {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Losses must be zero in every round, so the worst round counts for these. */
const WORST_OF_ROUNDS = new Set(['lostEdits', 'disconnects']);

function medianOf<T>(items: readonly T[]): T {
  const first = items[0]!;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(first) as (keyof T & string)[]) {
    const values = items.map((item) => item[key]);
    if (typeof values[0] !== 'number') out[key] = values[0];
    else out[key] = WORST_OF_ROUNDS.has(key) ? Math.max(...(values as number[])) : median(values as number[]);
  }
  return out as T;
}

/** One server's figures over several rounds: every number is the median of its rounds. */
export function medianFigures(rounds: readonly ServerFigures[]): ServerFigures {
  const phases: Record<string, PhaseFigures> = {};
  for (const name of Object.keys(rounds[0]!.phases)) {
    const ran = rounds.map((r) => r.phases[name]).filter((p): p is PhaseFigures => p !== undefined);
    if (ran.length > 0) phases[name] = medianOf(ran);
  }
  const error = rounds.map((r) => r.error).find((e) => e !== undefined);
  const joined = rounds.map((r) => r.joinConverged).filter((c) => c !== undefined);
  return {
    kind: rounds[0]!.kind,
    phases,
    peakRssLoadBytes: median(rounds.map((r) => r.peakRssLoadBytes)),
    peakRssBytes: median(rounds.map((r) => r.peakRssBytes)),
    joinMs: rounds.some((r) => r.joinMs !== undefined) ? median(rounds.map((r) => r.joinMs ?? NaN)) : undefined,
    joinConverged: joined.length > 0 ? joined.every(Boolean) : undefined,
    ...(error !== undefined ? { error } : {}),
  };
}

/** Each round's CPU and p99 ratios to the reference, to show how much the figures moved between rounds. */
export function roundRatios(rounds: readonly ServerFigures[][], phaseNames: readonly string[]): string {
  const lines = ['Per round, server / reference (CPU per edit, p99):'];
  rounds.forEach((results, i) => {
    const reference = results.find((r) => r.kind === 'reference');
    if (!reference) return;
    const parts = results
      .filter((r) => r !== reference)
      .map((r) => {
        const cells = phaseNames.map((name) => {
          const mine = r.phases[name];
          const ref = reference.phases[name];
          if (!mine || !ref) return `${name} n/a`;
          const cpu = (mine.serverCpuMsPerEdit / ref.serverCpuMsPerEdit).toFixed(2);
          const p99 = (mine.p99 / ref.p99).toFixed(2);
          return `${name} cpu ${cpu} p99 ${p99}`;
        });
        return `${r.kind}: ${cells.join(', ')}`;
      });
    lines.push(`  round ${i + 1}: ${parts.join('; ')}`);
  });
  return lines.join('\n');
}

/**
 * `--cluster`: the single SQLite relay beside the relay as 2 and 3 processes on PostgreSQL + Redis, each
 * figure with its ratio to the single relay. CPU per edit of a cluster is summed over its relays, Redis
 * and PostgreSQL.
 */
export function renderClusterTable(results: readonly ServerFigures[], phaseNames: readonly string[]): string {
  const single = results.find((r) => r.kind === 'enclave');
  const clusters = results.filter((r) => r.kind === 'enclave-cluster2' || r.kind === 'enclave-cluster3');
  const columns = [...(single ? [single] : []), ...clusters];
  const header = [
    '',
    ...columns.map((c) => (c === single ? '1 relay (SQLite)' : `${c.kind.slice(-1)} relays (PG+Redis)`)),
  ];
  const lines: string[][] = [header];
  for (const name of phaseNames) {
    const rows: [string, (s: ServerFigures) => number | undefined, number][] = [
      [`${name}: fan-out p99 ms`, (s) => s.phases[name]?.p99, 2],
      [`${name}: edits late (after the drain)`, (s) => s.phases[name]?.lateEdits, 0],
      [`${name}: edits lost`, (s) => s.phases[name]?.lostEdits, 0],
      [`${name}: CPU ms/edit (all processes)`, (s) => s.phases[name]?.serverCpuMsPerEdit, 4],
      [`${name}:   of which relays`, (s) => s.phases[name]?.relaysCpuMsPerEdit, 4],
      [`${name}:   of which PostgreSQL`, (s) => s.phases[name]?.postgresCpuMsPerEdit, 4],
      [`${name}:   of which Redis`, (s) => s.phases[name]?.redisCpuMsPerEdit, 4],
      [`${name}: PG statements/edit`, (s) => s.phases[name]?.pgStatementsPerEdit, 3],
      [`${name}: PG commits/edit`, (s) => s.phases[name]?.pgCommitsPerEdit, 3],
      [`${name}: Redis commands/edit`, (s) => s.phases[name]?.redisCommandsPerEdit, 3],
    ];
    for (const [label, value, digits] of rows) {
      lines.push([
        label,
        ...columns.map((c) => {
          const v = value(c);
          const base = single ? value(single) : undefined;
          const ratio =
            c !== single && base !== undefined && v !== undefined && base > 0 ? ` (${(v / base).toFixed(2)}x)` : '';
          return `${fmt(v, digits)}${label.includes(': edits ') ? '' : ratio}`;
        }),
      ]);
    }
  }
  const widths = header.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)));
  const table = lines.map((l) =>
    l.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '),
  );
  return [
    '',
    "Cluster: each room's clients spread over the relays (client i on relay i mod N); ratios to the single relay.",
    'On this machine every relay, PostgreSQL, Redis and the load generators share the same cores: this shows the',
    'overhead of running several relays, not their capacity.',
    ...table,
  ].join('\n');
}
