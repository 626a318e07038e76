/**
 * Display names: what a person chose to be called, cleaned the same way wherever one is accepted, and how a
 * name is shown with its key's fingerprint. A name is a claim, never an identity: it is always shown beside
 * the fingerprint.
 */

/** Longest display name kept, in UTF-16 code units. */
export const MAX_DISPLAY_NAME = 100;

// C0 and C1 control characters and the Unicode line and paragraph separators: a name is one line.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/**
 * A name as the relay records it: control characters removed, runs of white space made one space, trimmed
 * and cut to MAX_DISPLAY_NAME. Undefined when nothing is left.
 */
export function cleanDisplayName(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const cleaned = text.replace(CONTROL_CHARACTERS, ' ').replace(/\s+/g, ' ').trim();
  return cleaned.slice(0, MAX_DISPLAY_NAME).trim() || undefined;
}

/** What the relay calls a member nobody named (a grant without a name, from an old client). */
export function unnamedMember(fingerprint: string): string {
  return `key ${fingerprint}`;
}

/** True when `name` is the stand-in for a member nobody named. */
export function isUnnamed(name: string, fingerprint: string): boolean {
  return name.trim() === '' || name === unnamedMember(fingerprint);
}

/** The first two groups of a fingerprint (`ab12-cd34`): enough to tell a lab's members apart at a glance. */
export function shortFingerprint(fingerprint: string): string {
  return fingerprint.split('-').slice(0, 2).join('-');
}

/** `Bo (ab12-cd34)`; just the short fingerprint when there is no name, or the name is the stand-in. */
export function personLabel(name: string | undefined, fingerprint: string | undefined): string {
  if (!fingerprint) return name ?? '';
  const short = shortFingerprint(fingerprint);
  return name && !isUnnamed(name, fingerprint) ? `${name} (${short})` : `key ${short}`;
}
