/** Text the governance commands show: invite links, expiries, the audit log as a table. */
import {
  AUDIT_COLUMNS,
  type AuditEntry,
  auditRow,
  formatLink,
  type InviteLink,
  latestAuditEntries,
  parseDuration,
} from '@enclave/shared';

export interface InviteLinks {
  /** `enclave://join?...`: for the CLI and JupyterLab. */
  readonly enclave: string;
  /** `<scheme>://enclave.enclave-vscode/join?...`: opens in VS Code. */
  readonly vscode: string;
}

export function inviteLinks(link: InviteLink, uriScheme: string, extensionId: string): InviteLinks {
  return { enclave: formatLink(link), vscode: formatLink(link, `${uriScheme}://${extensionId}/`) };
}

/** An expiry as seconds: a number of seconds, or a duration such as `30m`, `24h`, `7d`. */
export function expirySeconds(value: number | string): number {
  const seconds = typeof value === 'number' ? value : parseDuration(value);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new Error(`"${value}" is not a positive expiry`);
  return seconds;
}

/**
 * A fixed-width table for reading in an editor: names with short fingerprints (`names` maps public keys to
 * the names leads know, for entries from older relays), refusal counts, each counted entry once.
 */
export function auditTable(space: string, entries: readonly AuditEntry[], names: ReadonlyMap<string, string>): string {
  const shown = latestAuditEntries(entries);
  const rows = shown.map((e) => auditRow(e, names));
  const header = [...AUDIT_COLUMNS];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [
    `Audit log of ${space}: ${shown.length} entries`,
    '',
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
  ].join('\n');
}
