/**
 * The one way to open a document by its space and real name, for both editors and the CLI. The space's
 * channel is asked first whether the space is sealed, so no document name reaches the relay before that is
 * known. Plain: a connection to `space/<name>` and a DocumentSession. Sealed: the name is resolved to its
 * opaque id on the space channel with this member's keys (a new id when creating), and a SealedSession runs
 * on `space/<opaque id>`; a lead's client also shares keys with members lacking them while it is open.
 */
import type { Awareness } from 'y-protocols/awareness';
import type * as Y from 'yjs';
import type { Identity } from '../identity/keys.js';
import type { DocumentInfo, WelcomeMessage } from '../protocol/messages.js';
import type { RoomAddress } from '../protocol/rooms.js';
import type { DocumentKind } from '../schema/document-kind.js';
import { newDocumentId } from '../sealed/sealed-names.js';
import { NoKeyYet, SpaceKeys } from '../sealed/space-keys.js';
import { DocumentSession } from './document-session.js';
import type { EnclaveConnection } from './enclave-connection.js';
import { RequestError } from './errors.js';
import { KeySharing } from './key-sharing.js';
import type { LiveDocument } from './live-document.js';
import { SealedSession } from './sealed-session.js';
import { listSealedDocuments } from './sealed-documents.js';

/** The shared model a session binds: `@jupyter/ydoc`'s YNotebook or YFile (an empty one: the seeding rule). */
export interface BindableModel {
  readonly ydoc: Y.Doc;
  readonly awareness: Awareness;
}

/** Opens a connection to `room` (started), with the caller's transport, reconnect policy and introduction. */
export type Connector = (room: RoomAddress) => EnclaveConnection;

/** Gets a fresh connection past anything that stands before content (the space's agreement). */
export type Admission = (connection: EnclaveConnection) => Promise<WelcomeMessage>;

export interface OpenDocumentOptions<M extends BindableModel> {
  readonly space: string;
  /** The document's real name (in a sealed space it is never sent as a room). */
  readonly name: string;
  readonly identity: Identity;
  readonly connect: Connector;
  /** Default: the first welcome; one that still asks for the agreement is refused with 'agreement-required'. */
  readonly admit?: Admission;
  /** Create the document with this kind if the space has none of that name (editors and leads). */
  readonly create?: DocumentKind;
  /** The model to sync, once the document's kind is known. */
  readonly model: (kind: DocumentKind) => M;
  /**
   * Sealed spaces where no lead has shared the key with this member yet: how long to wait for it (polling
   * `keys.mine`), default 0 (fail at once with NoKeyYet). `onWaitingForKey` is told once when waiting starts.
   */
  readonly keyWaitMs?: number;
  readonly onWaitingForKey?: (message: string) => void;
  /** Steps worth showing: 'connecting', 'opening the space's keys', 'receiving'. */
  readonly progress?: (step: string) => void;
  /** A lead's sharing of keys (sealed spaces): how often it checks for members lacking them. */
  readonly keySharingIntervalMs?: number;
}

export interface OpenedDocument<M extends BindableModel> {
  readonly session: LiveDocument;
  readonly connection: EnclaveConnection;
  readonly model: M;
  readonly kind: DocumentKind;
  readonly sealed: boolean;
  /** The room the relay sees: `space/<name>` in a plain space, `space/<opaque id>` in a sealed one. */
  readonly room: Required<RoomAddress>;
  /** Ends the session, closes the connection and forgets the space's keys (the model stays the caller's). */
  close(): void;
}

const firstWelcome: Admission = async (connection) => {
  const welcome = await connection.whenWelcomed();
  if (welcome.agreement) {
    throw new RequestError('agreement-required', `sign the agreement of ${connection.options.room.space} first`);
  }
  return welcome;
};

/** Where the document is, learned on the space channel, which is closed before this returns. */
interface Located {
  readonly sealed: boolean;
  readonly room: Required<RoomAddress>;
  /** Known when the document exists (sealed: from the listing; plain: from the room's welcome). */
  readonly kind: DocumentKind | undefined;
  readonly keys?: SpaceKeys;
}

/**
 * Opens `space/name`: resolves once a session runs on the document's room (not yet synced: await
 * `session.whenSynced()`; on failure call `close()`). Throws RequestError('not-found') for a missing document
 * that is not to be created, NoKeyYet when the member has no key (after `keyWaitMs`), and the connection's
 * error when refused.
 */
export async function openDocument<M extends BindableModel>(
  options: OpenDocumentOptions<M>,
): Promise<OpenedDocument<M>> {
  const admit = options.admit ?? firstWelcome;
  options.progress?.('connecting');
  const located = await locate(options, admit);
  let connection: EnclaveConnection | undefined;
  try {
    connection = options.connect(located.room);
    const welcome = await admit(connection);
    const kind = located.sealed ? located.kind : (welcome.document?.kind ?? undefined);
    const chosen = kind ?? options.create;
    if (!chosen) throw new RequestError('not-found', `there is no document ${options.space}/${options.name}`);
    if (options.create && kind && kind !== options.create) {
      throw new RequestError('conflict', `${options.space}/${options.name} is a ${kind}, not a ${options.create}`);
    }
    const model = options.model(chosen);
    // Sealed presence carries the name the member chose (receivers stamp key, fingerprint and colour).
    const local = model.awareness.getLocalState();
    if (located.sealed && local !== null && !local['user']) {
      model.awareness.setLocalStateField('user', { name: options.identity.name });
    }
    const session: LiveDocument = located.keys
      ? new SealedSession({
          connection,
          doc: model.ydoc,
          awareness: model.awareness,
          identity: options.identity,
          keys: located.keys,
          ...(kind ? {} : { create: { kind: chosen, name: options.name } }),
        })
      : new DocumentSession({
          connection,
          doc: model.ydoc,
          awareness: model.awareness,
          ...(options.create ? { create: options.create } : {}),
        });
    // A lead is told, like any tampering, when the relay lists members no lead signed into the chain.
    const sharing = located.keys
      ? new KeySharing(connection, located.keys, {
          intervalMs: options.keySharingIntervalMs ?? 5_000,
          onRefused: (message) => (session as SealedSession).emit('tampered', [message]),
        })
      : undefined;
    const opened = connection;
    const size = welcome.document?.size;
    options.progress?.(size ? `receiving ${(size / 1e6).toFixed(1)} MB` : 'receiving');
    return {
      session,
      connection,
      model,
      kind: chosen,
      sealed: located.sealed,
      room: located.room,
      close: () => {
        sharing?.destroy();
        session.destroy();
        opened.close();
        located.keys?.destroy();
      },
    };
  } catch (error) {
    if (connection) release(connection);
    located.keys?.destroy();
    throw error;
  }
}

/** Closes a connection that is not already refused for good (a refusal's 'denied' status is kept to show). */
function release(connection: EnclaveConnection): void {
  if (connection.status !== 'denied') connection.close();
}

async function locate<M extends BindableModel>(options: OpenDocumentOptions<M>, admit: Admission): Promise<Located> {
  const channel = options.connect({ space: options.space });
  try {
    const welcome = await admit(channel);
    if (!welcome.sealed) {
      return { sealed: false, room: { space: options.space, document: options.name }, kind: undefined };
    }
    options.progress?.("opening the space's keys");
    const keys = new SpaceKeys(options.space, options.identity);
    try {
      const found = await findByName(channel, keys, options);
      if (!found && !options.create) {
        throw new RequestError('not-found', `there is no document ${options.space}/${options.name}`);
      }
      const room = { space: options.space, document: found?.id ?? newDocumentId() };
      return { sealed: true, room, kind: found?.info.kind, keys };
    } catch (error) {
      keys.destroy();
      throw error;
    }
  } finally {
    release(channel);
  }
}

/** The listed document called `name`, once this member holds the space's current key (waiting for it). */
async function findByName<M extends BindableModel>(
  channel: EnclaveConnection,
  keys: SpaceKeys,
  options: OpenDocumentOptions<M>,
): Promise<{ id: string; info: DocumentInfo } | undefined> {
  const deadline = Date.now() + (options.keyWaitMs ?? 0);
  let told = false;
  for (;;) {
    const listed = await listSealedDocuments(channel, keys);
    try {
      keys.current();
      return listed.find((d) => d.name === options.name);
    } catch (error) {
      if (!(error instanceof NoKeyYet) || Date.now() >= deadline) throw error;
      if (!told) options.onWaitingForKey?.(error.message);
      told = true;
      await new Promise((resolve) => setTimeout(resolve, Math.min(1_000, Math.max(0, deadline - Date.now()))));
    }
  }
}

export interface ListedDocument {
  /** The real name (sealed: opened with this member's keys; undefined when it cannot be). */
  readonly name: string | undefined;
  /** The room's document part: the name itself, or a sealed space's opaque id. */
  readonly id: string;
  readonly info: DocumentInfo;
}

/**
 * The space's documents by real name, on a connection to its space channel (plain or sealed alike): what
 * pickers and quick-open show.
 */
export async function listDocuments(channel: EnclaveConnection, identity: Identity): Promise<ListedDocument[]> {
  const welcome = await channel.whenWelcomed();
  if (!welcome.sealed) {
    const { documents } = await channel.request({ op: 'documents.list' });
    return documents.map((info) => ({ name: info.name, id: info.name, info }));
  }
  const keys = new SpaceKeys(channel.options.room.space, identity);
  try {
    return await listSealedDocuments(channel, keys);
  } finally {
    keys.destroy();
  }
}
