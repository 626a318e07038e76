/**
 * Where a participant's cursor is, in awareness: jupyter-collaboration's format, which JupyterLab renders,
 * so every editor publishes and reads the same field. `cursors` holds Yjs relative positions (JSON) into
 * the Y.Text being edited (a cell's source or a draft), so a cursor stays put while others type and
 * identifies its cell without any id of ours.
 */
import * as Y from 'yjs';

/** The awareness field holding the cursors. */
export const CURSORS_FIELD = 'cursors';

export interface CursorJson {
  readonly anchor: unknown;
  readonly head: unknown;
  readonly primary?: boolean;
  readonly empty?: boolean;
}

/** The cursor for a selection from `anchor` to `head` (editor offsets) in `text`. */
export function cursorJson(text: Y.Text, anchor: number, head: number): CursorJson {
  const relative = (index: number): unknown =>
    Y.relativePositionToJSON(Y.createRelativePositionFromTypeIndex(text, index));
  return { anchor: relative(anchor), head: relative(head), primary: true, empty: anchor === head };
}

export interface ResolvedCursor {
  /** The Y.Text (or other type) the cursor is in. */
  readonly type: Y.AbstractType<Y.YEvent<never>>;
  readonly anchor: number;
  readonly head: number;
}

/** The cursors of one awareness state, resolved against `doc`; malformed or foreign entries are skipped. */
export function resolveCursors(state: Record<string, unknown>, doc: Y.Doc): ResolvedCursor[] {
  const cursors = state[CURSORS_FIELD];
  if (!Array.isArray(cursors)) return [];
  const result: ResolvedCursor[] = [];
  for (const cursor of cursors as CursorJson[]) {
    const anchor = absolute(cursor?.anchor, doc);
    const head = absolute(cursor?.head, doc);
    if (!anchor || !head || anchor.type !== head.type) continue;
    result.push({ type: anchor.type as ResolvedCursor['type'], anchor: anchor.index, head: head.index });
  }
  return result;
}

function absolute(json: unknown, doc: Y.Doc): Y.AbsolutePosition | null {
  if (!json || typeof json !== 'object') return null;
  try {
    return Y.createAbsolutePositionFromRelativePosition(Y.createRelativePositionFromJSON(json), doc);
  } catch {
    return null;
  }
}

/**
 * Awareness field: the ids of the notebook cells this client is running (queued or executing), so the
 * others can show who runs which cell. Untrusted like every awareness field: read it with `readRunningCells`.
 */
export const RUNNING_FIELD = 'running';

const MAX_RUNNING = 256;

/** The cell ids in a state's `running` field; anything malformed reads as none. */
export function readRunningCells(state: unknown): string[] {
  const value = state && typeof state === 'object' ? (state as Record<string, unknown>)[RUNNING_FIELD] : undefined;
  if (!Array.isArray(value)) return [];
  return value.slice(0, MAX_RUNNING).filter((id): id is string => typeof id === 'string' && id.length <= 128);
}
