/**
 * The audit log as people read it, the same in the CLI, VS Code and JupyterLab: names with a short
 * fingerprint instead of keys, refusal counts as "N times since ...", and each counted entry once.
 */
import type { AuditEntry } from '../protocol/access.js';
import { personLabel } from '../protocol/display-names.js';

/** Column titles of `auditRow`. */
export const AUDIT_COLUMNS = ['seq', 'time', 'event', 'actor', 'subject', 'detail'] as const;

/** A key shortened for a reader, when the relay sent no fingerprint (an older relay). */
function shortKey(key: string): string {
  const body = key.replace(/^ed25519:/, '');
  return body.length > 10 ? `key ${body.slice(0, 10)}…` : `key ${body}`;
}

/**
 * Who an entry's actor or subject is: `Bo (ab12-cd34)`. `names` (public key to name, e.g. from
 * `members.list`) fills in names the entry lacks.
 */
export function auditPerson(
  entry: AuditEntry,
  which: 'actor' | 'subject',
  names?: ReadonlyMap<string, string>,
): string {
  const key = which === 'actor' ? entry.actor : entry.subject;
  if (!key) return which === 'actor' ? '-' : '';
  const name = (which === 'actor' ? entry.actorName : entry.subjectName) ?? names?.get(key);
  const fingerprint = which === 'actor' ? entry.actorFingerprint : entry.subjectFingerprint;
  if (fingerprint) return personLabel(name, fingerprint);
  return name ? `${name} (${shortKey(key).slice(4)})` : shortKey(key);
}

/** Everything else an entry says, in one line: count and since, role, room, reason. */
export function auditDetail(entry: AuditEntry): string {
  const counted = entry.count !== undefined;
  return [
    counted && `${entry.count} ${entry.count === 1 ? 'time' : 'times'} since ${entry.since ?? entry.time}`,
    entry.role && `role ${entry.role}`,
    entry.room && `${counted ? 'last room' : 'room'} ${entry.room}`,
    entry.reason,
  ]
    .filter(Boolean)
    .join('; ');
}

/** One entry as the cells of AUDIT_COLUMNS. */
export function auditRow(entry: AuditEntry, names?: ReadonlyMap<string, string>): string[] {
  return [
    String(entry.seq),
    entry.time,
    entry.event,
    auditPerson(entry, 'actor', names),
    auditPerson(entry, 'subject', names),
    auditDetail(entry),
  ];
}

/**
 * Counted (refusal) entries take a new seq as their count grows, so a log read while refusals arrive may
 * hold one entry twice: keep its latest version only.
 */
export function latestAuditEntries(entries: readonly AuditEntry[]): AuditEntry[] {
  const key = (e: AuditEntry): string => `${e.actor}|${e.reason}|${e.since}`;
  const latest = new Map(entries.filter((e) => e.count !== undefined).map((e) => [key(e), e.seq]));
  return entries.filter((e) => e.count === undefined || latest.get(key(e)) === e.seq);
}

/** The log as JSON lines (the format of `enclave audit SPACE --jsonl`): one object a line, each ending in \n. */
export function auditJsonLines(entries: readonly AuditEntry[]): string {
  return entries.map((entry) => `${JSON.stringify(entry)}\n`).join('');
}
