/**
 * Rebuilds a Y.Doc from what storage holds, setting aside what cannot be loaded instead of failing the whole
 * document: one bad stored update must not make everything else in the document unreachable.
 *
 * Used by the relay when it opens a document and by `enclave doctor`. A stored part that fails the update
 * check is repaired when only degenerate (length 0) parts were wrong, and set aside otherwise; a part that
 * passes the check but still throws in Yjs is set aside and the document rebuilt from scratch without it,
 * because Yjs may have integrated half of it before throwing. Updates whose dependencies never arrived (an
 * older relay stored them) are set aside too, so that they do not ride along with every later edit.
 */
import * as Y from 'yjs';
import type { SetAsideRecord, Storage, StoredDocumentState } from '../storage/storage.js';
import { findDocumentProblem, findUpdateProblem, repairUpdate } from './update-check.js';

export interface RebuiltDocument {
  readonly doc: Y.Doc;
  /** Stored parts that were not loaded as stored (repaired or left out), with the bytes as stored. */
  readonly setAside: SetAsideRecord[];
}

export function hasPending(doc: Y.Doc): boolean {
  return doc.store.pendingStructs !== null || doc.store.pendingDs !== null;
}

export interface Pending {
  /** Updates in format 2: the structs, and the deletions, that Yjs could not integrate yet. */
  readonly parts: Uint8Array[];
  /** Per client, the lowest clock the held structs wait for (Yjs retries once the document has it). */
  readonly missing: ReadonlyMap<number, number>;
}

/**
 * Takes the structs and deletions Yjs is holding back for missing dependencies out of the document, so that
 * they are not encoded into everything the document sends from now on (Yjs appends them to every encoding).
 */
export function takePending(doc: Y.Doc): Pending {
  const parts: Uint8Array[] = [];
  const missing = new Map(doc.store.pendingStructs?.missing ?? []);
  if (doc.store.pendingStructs) parts.push(doc.store.pendingStructs.update);
  if (doc.store.pendingDs) parts.push(doc.store.pendingDs);
  doc.store.pendingStructs = null;
  doc.store.pendingDs = null;
  return { parts, missing };
}

export function rebuildDocument(state: StoredDocumentState, now = new Date().toISOString()): RebuiltDocument {
  return loadAsStored(state) ?? loadPartByPart(state, now);
}

/**
 * The common case, fast: everything applies, and the result has no degenerate struct and nothing pending.
 * Checking the loaded store costs about a millisecond where decoding every stored part first would cost a
 * large notebook's snapshot over 100 ms.
 */
function loadAsStored(state: StoredDocumentState): RebuiltDocument | undefined {
  const doc = new Y.Doc();
  try {
    doc.transact(() => {
      if (state.snapshot) Y.applyUpdate(doc, state.snapshot);
      for (const update of state.updates) Y.applyUpdate(doc, update);
    });
    if (!hasPending(doc) && findDocumentProblem(doc) === undefined) return { doc, setAside: [] };
  } catch {
    // fall through to the careful path
  }
  doc.destroy();
  return undefined;
}

/** Each stored part checked, repaired or set aside on its own. */
function loadPartByPart(state: StoredDocumentState, now: string): RebuiltDocument {
  const excluded = new Set<number>();
  // Each pass either succeeds or excludes one more stored part, so this ends.
  for (;;) {
    const setAside: SetAsideRecord[] = [];
    const doc = new Y.Doc();
    const failedAt = applyStored(doc, state, excluded, setAside, now);
    if (failedAt === undefined) {
      const pending = takePending(doc).parts;
      if (pending.length > 0) {
        const data = Y.mergeUpdatesV2(pending);
        setAside.push({ kind: 'pending', seq: state.lastSeq, data, reason: 'dependencies never stored', time: now });
      }
      return { doc, setAside };
    }
    doc.destroy();
    excluded.add(failedAt);
  }
}

/** Index -1 is the snapshot, 0.. the updates. Returns the index that threw in Yjs, if one did. */
function applyStored(
  doc: Y.Doc,
  state: StoredDocumentState,
  excluded: Set<number>,
  setAside: SetAsideRecord[],
  time: string,
): number | undefined {
  const parts: { index: number; seq: number; kind: 'snapshot' | 'update'; data: Uint8Array }[] = [];
  if (state.snapshot) parts.push({ index: -1, seq: state.snapshotSeq, kind: 'snapshot', data: state.snapshot });
  state.updates.forEach((data, index) => parts.push({ index, seq: state.updateSeqs[index]!, kind: 'update', data }));
  for (const part of parts) {
    const record = { kind: part.kind, seq: part.seq, data: part.data, time };
    if (excluded.has(part.index)) {
      setAside.push({ ...record, reason: 'Yjs failed to apply it' });
      continue;
    }
    let bytes = part.data;
    const problem = findUpdateProblem(bytes);
    if (problem) {
      const repaired = repairUpdate(bytes);
      if (!repaired) {
        setAside.push({ ...record, reason: problem });
        continue;
      }
      setAside.push({ ...record, reason: `${problem}; loaded without ${repaired.dropped.join(', ')}` });
      bytes = repaired.update;
    }
    try {
      Y.applyUpdate(doc, bytes);
    } catch {
      return part.index;
    }
  }
  return undefined;
}

/**
 * Stores a rebuilt document: the set-aside parts kept, the stored state replaced by one snapshot of what
 * loaded, atomically. Returns the snapshot's size.
 */
export async function storeRebuilt(
  storage: Storage,
  space: string,
  document: string,
  rebuilt: RebuiltDocument,
  state: StoredDocumentState,
): Promise<number> {
  const snapshot = Y.encodeStateAsUpdate(rebuilt.doc);
  await storage.repairDocument(space, document, rebuilt.setAside, snapshot, state.lastSeq);
  return snapshot.length;
}
