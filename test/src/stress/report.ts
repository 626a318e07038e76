/**
 * What a stress run found: figures (printed as they are) and invariants (PASS/FAIL). The summary ends with
 * mocha-style "N passing" / "N failing" lines, one invariant per test, so scripts/run-tests.mjs can count it.
 */
export interface InvariantResult {
  readonly name: string;
  readonly pass: boolean;
  readonly detail: string;
}

export class Report {
  private readonly figures: [section: string, label: string, value: string][] = [];
  private readonly invariants: InvariantResult[] = [];

  figure(section: string, label: string, value: string | number): void {
    this.figures.push([section, label, typeof value === 'number' ? formatNumber(value) : value]);
  }

  /** Records a table of counts (e.g. close codes per kind) under one label. */
  counts(section: string, label: string, counts: ReadonlyMap<string, number>): void {
    const text = [...counts].map(([key, n]) => `${key}=${n}`).join(', ');
    this.figure(section, label, text === '' ? '(none)' : text);
  }

  invariant(name: string, pass: boolean, detail = ''): void {
    this.invariants.push({ name, pass, detail });
    console.log(`[stress] ${pass ? 'PASS' : 'FAIL'} ${name}${detail ? `: ${detail}` : ''}`);
  }

  get failed(): number {
    return this.invariants.filter((i) => !i.pass).length;
  }

  print(): void {
    console.log('\nFigures');
    let section = '';
    for (const [s, label, value] of this.figures) {
      if (s !== section) console.log(`  ${(section = s)}`);
      console.log(`    ${label.padEnd(34)} ${value}`);
    }
    console.log('\nInvariants');
    for (const { name, pass, detail } of this.invariants) {
      console.log(`  ${pass ? 'PASS' : 'FAIL'}  ${name}${detail ? `  (${detail})` : ''}`);
    }
    console.log('');
    console.log(`  ${this.invariants.length - this.failed} passing`);
    if (this.failed > 0) console.log(`  ${this.failed} failing`);
  }
}

/** Adds one to `key` in a count table. */
export function bump(counts: Map<string, number>, key: string, by = 1): void {
  counts.set(key, (counts.get(key) ?? 0) + by);
}

function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return Number.isInteger(value) ? value.toLocaleString('en-US') : value.toFixed(2);
}
