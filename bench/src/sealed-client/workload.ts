/**
 * What a sealed-space client seals and opens, made once in Node from a fixture notebook and handed to both
 * runtimes as bytes (so the browser page needs no notebook code): the notebook as one Yjs update (what
 * sharing it sends), `edits` keystroke updates (one character inserted into a cell's source, cycling through
 * the cells, as the relay benchmark's join phase makes them) and the snapshot of the result.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';

export interface Workload {
  readonly notebookBytes: number;
  /** The notebook as one update. */
  readonly seed: Uint8Array;
  /** Keystroke updates, in order. */
  readonly edits: readonly Uint8Array[];
  /** Y.encodeStateAsUpdate after the seed and every edit: what a snapshot seals. */
  readonly snapshot: Uint8Array;
}

/** `seedDoc` holds the loaded notebook (YNotebook's ydoc); it is edited in place. */
export function makeWorkload(seedDoc: Y.Doc, notebookBytes: number, edits: number): Workload {
  const seed = Y.encodeStateAsUpdate(seedDoc);
  const updates: Uint8Array[] = [];
  const onUpdate = (update: Uint8Array): void => void updates.push(update);
  seedDoc.on('update', onUpdate);
  const cells = seedDoc.getArray<Y.Map<unknown>>('cells');
  for (let made = 0; made < edits; made++) {
    const source = cells.get(made % cells.length).get('source') as Y.Text;
    source.insert(Math.min(source.length, made % 7), 'x');
  }
  seedDoc.off('update', onUpdate);
  return { notebookBytes, seed, edits: updates, snapshot: Y.encodeStateAsUpdate(seedDoc) };
}

export function encodeWorkload(workload: Workload): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, workload.notebookBytes);
  encoding.writeVarUint8Array(encoder, workload.seed);
  encoding.writeVarUint(encoder, workload.edits.length);
  for (const edit of workload.edits) encoding.writeVarUint8Array(encoder, edit);
  encoding.writeVarUint8Array(encoder, workload.snapshot);
  return encoding.toUint8Array(encoder);
}

export function decodeWorkload(bytes: Uint8Array): Workload {
  const decoder = decoding.createDecoder(bytes);
  const notebookBytes = decoding.readVarUint(decoder);
  const seed = decoding.readVarUint8Array(decoder);
  const edits: Uint8Array[] = [];
  for (let n = decoding.readVarUint(decoder); n > 0; n--) edits.push(decoding.readVarUint8Array(decoder));
  return { notebookBytes, seed, edits, snapshot: decoding.readVarUint8Array(decoder) };
}
