/**
 * A real relay in this process on port 0, with an admin, and helpers to make identities, spaces and
 * members through the real protocol (no shortcut into storage).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import {
  type ConnectionOptions,
  DocumentSession,
  type DocumentKind,
  EnclaveConnection,
  generateIdentity,
  type Identity,
  type Role,
  type RoomAddress,
  type WebSocketConstructor,
} from '@enclave/shared';
import { createRelay, type Relay, type RelayOptions, silentLogger } from '@enclave/relay';
import * as Y from 'yjs';

export const NodeWebSocket = WebSocket as unknown as WebSocketConstructor;

export interface RelayFixture {
  readonly relay: Relay;
  readonly url: string;
  readonly admin: Identity;
  readonly dataDir: string;
  close(): Promise<void>;
}

export async function startRelay(options: Partial<RelayOptions> = {}): Promise<RelayFixture> {
  const admin = await generateIdentity('Admin');
  const dataDir = mkdtempSync(join(tmpdir(), 'enclave-relay-'));
  const relay = createRelay({ dataDir, admins: [admin.publicKey], logger: silentLogger, ...options });
  const { url } = await relay.listen();
  return {
    relay,
    url,
    admin,
    dataDir,
    async close() {
      await relay.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function connect(
  url: string,
  identity: Identity,
  room: RoomAddress,
  reconnect = false,
  introduction: Pick<ConnectionOptions, 'invite' | 'inviteSecret' | 'accessRequest' | 'chainPins'> = {},
): EnclaveConnection {
  return new EnclaveConnection({
    relayUrl: url,
    room,
    identity,
    WebSocket: NodeWebSocket,
    reconnect,
    backoff: { initialMs: 20, maxMs: 200 },
    ...introduction,
  }).connect();
}

/** Creates `space` with `lead` as its lead (lead must be the relay admin) and grants the others. */
export async function createSpace(
  url: string,
  lead: Identity,
  space: string,
  members: readonly { identity: Identity; role: Role }[] = [],
): Promise<void> {
  const connection = connect(url, lead, { space });
  try {
    await connection.request({ op: 'space.create', name: lead.name });
    for (const { identity, role } of members) {
      await connection.request({ op: 'members.grant', publicKey: identity.publicKey, role, name: identity.name });
    }
  } finally {
    connection.destroy();
  }
}

export interface OpenDocument {
  readonly doc: Y.Doc;
  readonly session: DocumentSession;
  readonly connection: EnclaveConnection;
  close(): void;
}

/** A peer with a plain Y.Doc on a document room, synced. */
export async function openDocument(
  url: string,
  identity: Identity,
  room: Required<RoomAddress>,
  options: { create?: DocumentKind; reconnect?: boolean; doc?: Y.Doc } = {},
): Promise<OpenDocument> {
  const doc = options.doc ?? new Y.Doc();
  const connection = connect(url, identity, room, options.reconnect ?? false);
  const session = new DocumentSession({ connection, doc, ...(options.create ? { create: options.create } : {}) });
  await session.whenSynced();
  return {
    doc,
    session,
    connection,
    close() {
      session.destroy();
      connection.destroy();
    },
  };
}
