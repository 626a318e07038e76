/**
 * What a shared document held when its session ended, so that a save arriving afterwards (VS Code for the
 * web auto-saves; a text editor outlives its tab) can tell "nothing unsaved" from "edits that would be lost".
 * Compared by content, not bytes: VS Code's notebook serializer writes the same notebook differently.
 */
import { parseIpynb } from '@enclave/shared';

export type Comparable = string;

function joined(value: unknown): unknown {
  if (Array.isArray(value) && value.every((part) => typeof part === 'string')) return value.join('');
  if (value && typeof value === 'object' && !Array.isArray(value))
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, joined(v)]),
    );
  return value;
}

/** The content a person would lose: a draft's text; a notebook's cells (kind, source, outputs). */
export function comparable(kind: 'notebook' | 'draft', bytes: Uint8Array): Comparable | undefined {
  const text = new TextDecoder().decode(bytes);
  if (kind === 'draft') return text;
  try {
    const cells = parseIpynb(text).cells.map((cell) => ({
      cell_type: cell.cell_type,
      source: joined(cell.source),
      outputs: 'outputs' in cell ? joined(cell.outputs) : undefined,
    }));
    return JSON.stringify(cells);
  } catch {
    // Not a notebook: it cannot equal what the session held.
    return undefined;
  }
}
