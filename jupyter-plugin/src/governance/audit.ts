/**
 * A space's audit log for leads: every entry (paged by sequence number) and its JSON-lines export, the
 * same format as `enclave audit SPACE --jsonl`.
 */
import type { AuditEntry, EnclaveConnection } from '@enclave/shared';

const PAGE = 1000;

/** All entries, oldest first. */
export async function fetchAudit(connection: EnclaveConnection): Promise<AuditEntry[]> {
  const all: AuditEntry[] = [];
  for (;;) {
    const after = all.length > 0 ? all[all.length - 1]!.seq : undefined;
    const { entries } = await connection.request(
      after === undefined ? { op: 'audit.list', limit: PAGE } : { op: 'audit.list', after, limit: PAGE },
    );
    all.push(...entries);
    if (entries.length < PAGE) return all;
  }
}

/** One JSON object per line. */
export function auditJsonLines(entries: readonly AuditEntry[]): string {
  return entries.map((e) => JSON.stringify(e)).join('\n') + (entries.length > 0 ? '\n' : '');
}

/** The columns shown in the audit table. */
export function auditRow(entry: AuditEntry, nameOf: (key: string) => string): string[] {
  return [
    String(entry.seq),
    entry.time,
    entry.event,
    entry.actor ? nameOf(entry.actor) : '-',
    entry.subject ? nameOf(entry.subject) : '',
    entry.role ?? '',
    entry.room ?? '',
    entry.reason ?? '',
  ];
}
