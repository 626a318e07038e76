/**
 * A sealed space's documents as its members see them: by real name. The relay lists opaque ids with
 * sealed names; the member's client opens the names with the space's keys, and finds a document by name.
 * Used by the CLI and both editors, on a connection to the space's channel.
 */
import type { DocumentInfo } from '../protocol/messages.js';
import { openName } from '../sealed/sealed-names.js';
import type { SpaceKeys } from '../sealed/space-keys.js';
import type { EnclaveConnection } from './enclave-connection.js';

export interface SealedDocument {
  /** The opaque id: the room's document part. */
  readonly id: string;
  /** The real name, or undefined when this member cannot open it (no key for its epoch, or tampered). */
  readonly name: string | undefined;
  readonly info: DocumentInfo;
}

export async function listSealedDocuments(connection: EnclaveConnection, keys: SpaceKeys): Promise<SealedDocument[]> {
  await keys.refresh((request) => connection.request(request));
  const { documents } = await connection.request({ op: 'documents.list' });
  const space = connection.options.room.space;
  return Promise.all(
    documents.map(async (info) => ({ id: info.name, name: await openName(info, space, keys.keyOf), info })),
  );
}

/** The opaque id of the document called `name`, if the space has one. */
export async function findSealedDocument(
  connection: EnclaveConnection,
  keys: SpaceKeys,
  name: string,
): Promise<string | undefined> {
  return (await listSealedDocuments(connection, keys)).find((d) => d.name === name)?.id;
}
