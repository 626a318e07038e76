/**
 * A space's audit log for leads: every entry (paged by sequence number), and its rows as shared's audit
 * view shows them (the JSON-lines export is shared's `auditJsonLines`, as `enclave audit SPACE --jsonl`).
 */
import { type AuditEntry, auditRow, type EnclaveConnection, latestAuditEntries } from '@enclave/shared';

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

/**
 * The cells of `AUDIT_COLUMNS` for one entry: names with short fingerprints (`names`, from the access list,
 * fills in entries from older relays), refusal counts and since.
 */
export function auditRows(entries: readonly AuditEntry[], names: ReadonlyMap<string, string>): string[][] {
  return latestAuditEntries(entries).map((entry) => auditRow(entry, names));
}

/** Column titles of the audit table. */
export const AUDIT_HEADER = ['#', 'Time', 'Event', 'By', 'Concerning', 'Detail'] as const;
