/**
 * Plain text edits by UTF-16 offset, the unit both editors and Y.Text speak. A change replaces
 * `deleteCount` characters at `offset` with `insert`.
 */
export interface TextChange {
  readonly offset: number;
  readonly deleteCount: number;
  readonly insert: string;
}

export function applyChange(text: string, change: TextChange): string {
  return text.slice(0, change.offset) + change.insert + text.slice(change.offset + change.deleteCount);
}

/**
 * The single replacement that turns `from` into `to` (common prefix and suffix kept), or undefined when
 * they are equal. Never splits a surrogate pair, so an editor never sees half a character.
 */
export function diffText(from: string, to: string): TextChange | undefined {
  if (from === to) return undefined;
  const max = Math.min(from.length, to.length);
  let start = 0;
  while (start < max && from.charCodeAt(start) === to.charCodeAt(start)) start++;
  if (start > 0 && isHighSurrogate(from.charCodeAt(start - 1))) start--;
  let end = 0;
  while (end < max - start && from.charCodeAt(from.length - 1 - end) === to.charCodeAt(to.length - 1 - end)) end++;
  if (end > 0 && isLowSurrogate(from.charCodeAt(from.length - end))) end--;
  return { offset: start, deleteCount: from.length - start - end, insert: to.slice(start, to.length - end) };
}

/**
 * Where `offset` in `from` lands once `change` (made to `from`) has been applied. Offsets inside the replaced
 * range move to its end, so text typed there lands after the other side's replacement.
 */
export function mapOffset(offset: number, change: TextChange | undefined): number {
  if (!change || offset <= change.offset) return offset;
  const end = change.offset + change.deleteCount;
  if (offset >= end) return offset + change.insert.length - change.deleteCount;
  return change.offset + change.insert.length;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
