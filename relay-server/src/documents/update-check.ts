/**
 * Checks a Yjs update completely before the relay applies or stores it, and repairs stored ones that an
 * older relay let through.
 *
 * Why Yjs's own applyUpdate is not enough: it accepts some updates whose every later encoding it then
 * refuses. A struct or a deletion of length 0 integrates without complaint, but the document's encodings
 * from then on carry a deletion of length 0, which Yjs's V2 encoder (used when an update is applied) throws
 * on: a document that once took such an update can no longer be synced or loaded. So the whole update is
 * decoded first, with Yjs's own decoder, and refused if any part of it is degenerate.
 */
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';

/** Yjs counts clocks in JavaScript numbers; past this they stop being exact. */
const MAX_CLOCK = Number.MAX_SAFE_INTEGER;
/** Yjs's content reference for subdocuments: the notebook and draft schemas never use them. */
const CONTENT_DOC = 9;

type Decoded = ReturnType<typeof Y.decodeUpdate>;
type Struct = Y.Item | Y.GC | Decoded['structs'][number];

/** Why `update` must not be applied, or undefined if it is a well-formed Yjs update (format 1). */
export function findUpdateProblem(update: Uint8Array): string | undefined {
  let decoded: Decoded;
  try {
    decoded = Y.decodeUpdate(update);
  } catch {
    return 'not a Yjs update';
  }
  for (const struct of decoded.structs) {
    const problem = structProblem(struct);
    if (problem) return problem;
  }
  for (const ranges of decoded.ds.clients.values()) {
    for (const range of ranges) {
      if (!(range.len >= 1)) return 'a deletion of length 0';
      if (range.clock + range.len > MAX_CLOCK) return 'a deletion beyond the largest clock';
    }
  }
  return undefined;
}

/**
 * The same check over a document's own struct store: cheap (no decoding), so it runs where decoding a whole
 * snapshot would cost a large document a noticeable pause (loading, compaction). A document whose store
 * passes encodes to updates that pass.
 */
export function findDocumentProblem(doc: Y.Doc): string | undefined {
  for (const structs of doc.store.clients.values()) {
    for (const struct of structs) {
      const problem = structProblem(struct);
      if (problem) return problem;
    }
  }
  return undefined;
}

function structProblem(struct: Struct): string | undefined {
  if (!(struct.length >= 1)) return 'a struct of length 0';
  if (struct.id.clock + struct.length > MAX_CLOCK) return 'a struct beyond the largest clock';
  if (struct instanceof Y.Item && struct.content.getRef() === CONTENT_DOC) return 'a subdocument';
  return undefined;
}

export interface Repaired {
  readonly update: Uint8Array;
  /** What was dropped, for the operator. */
  readonly dropped: string[];
}

/**
 * Rewrites a stored update (or snapshot) without its degenerate parts: structs and deletions of length 0
 * carry no content, so dropping them loses nothing. Undefined when the bytes do not decode at all, or when
 * what is left still has a problem (a subdocument, a clock out of range): then it can only be set aside.
 */
export function repairUpdate(update: Uint8Array): Repaired | undefined {
  let decoded: Decoded;
  try {
    decoded = Y.decodeUpdate(update);
  } catch {
    return undefined;
  }
  const dropped: string[] = [];
  const byClient = new Map<number, Struct[]>();
  for (const struct of decoded.structs) {
    if (!(struct.length >= 1)) {
      dropped.push(`struct ${struct.id.client}:${struct.id.clock} of length 0`);
      continue;
    }
    const list = byClient.get(struct.id.client) ?? [];
    list.push(struct);
    byClient.set(struct.id.client, list);
  }
  const deletions = new Map<number, { clock: number; len: number }[]>();
  for (const [client, ranges] of decoded.ds.clients) {
    const kept = ranges.filter((range) => range.len >= 1);
    if (kept.length < ranges.length)
      dropped.push(`${ranges.length - kept.length} deletion(s) of length 0 by ${client}`);
    if (kept.length > 0) deletions.set(client, kept);
  }
  const rewritten = writeUpdate(byClient, deletions);
  return findUpdateProblem(rewritten) === undefined ? { update: rewritten, dropped } : undefined;
}

/**
 * Encodes structs and deletions in Yjs's update format 1 with Yjs's own encoder and struct writers: per
 * client (highest first, as Yjs writes them) the count, client, first clock and the structs; then the
 * delete set.
 */
function writeUpdate(byClient: Map<number, Struct[]>, deletions: Map<number, { clock: number; len: number }[]>) {
  const encoder = new Y.UpdateEncoderV1();
  const clients = [...byClient.keys()].sort((a, b) => b - a);
  encoding.writeVarUint(encoder.restEncoder, clients.length);
  for (const client of clients) {
    const structs = byClient.get(client)!;
    encoding.writeVarUint(encoder.restEncoder, structs.length);
    encoder.writeClient(client);
    encoding.writeVarUint(encoder.restEncoder, structs[0]!.id.clock);
    for (const struct of structs) struct.write(encoder, 0);
  }
  encoding.writeVarUint(encoder.restEncoder, deletions.size);
  for (const [client, ranges] of deletions) {
    encoder.resetDsCurVal();
    encoding.writeVarUint(encoder.restEncoder, client);
    encoding.writeVarUint(encoder.restEncoder, ranges.length);
    for (const range of ranges) {
      encoder.writeDsClock(range.clock);
      encoder.writeDsLen(range.len);
    }
  }
  return encoder.toUint8Array();
}
