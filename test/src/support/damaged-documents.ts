/**
 * Damage as an older relay left it, written straight into any storage (SQLite, PostgreSQL): the damaged-
 * documents tests and `enclave doctor`'s tests on each engine start from it.
 */
import * as Y from 'yjs';
import { DOCUMENT_SCHEMA_VERSION, type PublicKeyText } from '@enclave/shared';
import type { Storage } from '@enclave/relay';

/** An update whose only struct (a GC) has length 0: Yjs applies it, then cannot encode the document. */
export const ZERO_LENGTH_STRUCT = new Uint8Array([0x01, 0x01, 0x76, 0x00, 0x00, 0x00, 0x00]);
const now = '2026-11-30T00:00:00.000Z';

/**
 * Space `lab` (led by `lead`) with two drafts: `notes.md` ("hello world") has a bad update between two good
 * ones, `old.md` ("kept in a snapshot") a bad snapshot.
 */
export async function writeDamage(storage: Storage, lead: PublicKeyText): Promise<void> {
  await storage.createSpace(
    { name: 'lab', created: now, createdBy: lead },
    { publicKey: lead, name: 'Lead', role: 'lead', since: now, grantedBy: null },
  );
  for (const name of ['notes.md', 'old.md']) {
    await storage.createDocument('lab', { name, kind: 'draft', schemaVersion: DOCUMENT_SCHEMA_VERSION, created: now });
  }
  const notes = new Y.Doc();
  const updates: Uint8Array[] = [];
  notes.on('update', (u: Uint8Array) => updates.push(u));
  notes.getText('source').insert(0, 'hello');
  notes.getText('source').insert(5, ' world');
  await storage.appendUpdate('lab', 'notes.md', updates[0]!);
  await storage.appendUpdate('lab', 'notes.md', ZERO_LENGTH_STRUCT);
  await storage.appendUpdate('lab', 'notes.md', updates[1]!);

  const old = new Y.Doc();
  old.getText('source').insert(0, 'kept in a snapshot');
  Y.applyUpdate(old, ZERO_LENGTH_STRUCT);
  const seq = await storage.appendUpdate('lab', 'old.md', Y.encodeStateAsUpdate(old));
  await storage.compactDocument('lab', 'old.md', Y.encodeStateAsUpdate(old), seq); // what compaction wrote
}
