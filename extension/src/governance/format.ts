/** Text the governance commands show or write: invite links, the audit log as a table and as JSON lines. */
import { type AuditEntry, formatLink, parseDuration } from '@enclave/shared';

export interface InviteLinks {
  /** `enclave://join?...`: for the CLI and JupyterLab. */
  readonly enclave: string;
  /** `<scheme>://enclave.enclave-vscode/join?...`: opens in VS Code. */
  readonly vscode: string;
}

export function inviteLinks(
  relay: string,
  space: string,
  token: string,
  uriScheme: string,
  extensionId: string,
): InviteLinks {
  const link = { kind: 'join', relay, space, token } as const;
  return { enclave: formatLink(link), vscode: formatLink(link, `${uriScheme}://${extensionId}/`) };
}

/** An expiry as seconds: a number of seconds, or a duration such as `30m`, `24h`, `7d`. */
export function expirySeconds(value: number | string): number {
  const seconds = typeof value === 'number' ? value : parseDuration(value);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new Error(`"${value}" is not a positive expiry`);
  return seconds;
}

/** One JSON object per line, oldest first, ending with a newline (empty for no entries). */
export function auditJsonLines(entries: readonly AuditEntry[]): string {
  return entries.map((entry) => JSON.stringify(entry) + '\n').join('');
}

function shortKey(key: string | null | undefined): string {
  if (!key) return '';
  const body = key.replace(/^ed25519:/, '');
  return body.length > 10 ? `${body.slice(0, 10)}…` : body;
}

/** A fixed-width table for reading in an editor; `names` maps public keys to the names leads know. */
export function auditTable(space: string, entries: readonly AuditEntry[], names: ReadonlyMap<string, string>): string {
  const who = (key: string | null | undefined): string => (key ? (names.get(key) ?? shortKey(key)) : '');
  const rows = entries.map((e) => [
    String(e.seq),
    e.time,
    e.event,
    who(e.actor),
    who(e.subject),
    e.role ?? '',
    e.room ?? '',
    e.reason ?? '',
  ]);
  const header = ['seq', 'time', 'event', 'actor', 'subject', 'role', 'room', 'reason'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [
    `Audit log of ${space}: ${entries.length} entries`,
    '',
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
  ].join('\n');
}
