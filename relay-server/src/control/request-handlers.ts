/**
 * Enclave requests, by op: what each checks and does. The connection calls `handleRequest` for every
 * request frame and sends back its result or its RequestFailure.
 */
import {
  DOCUMENT_SCHEMA_VERSION,
  type DocumentInfo,
  type PublicKeyText,
  type Request,
  type ResultOf,
  type Role,
  canWrite,
  fromBase64Url,
  isDirectoryRoom,
  isRelayChannel,
  toBase64Url,
} from '@enclave/shared';
import type { AccessService } from '../access/access-service.js';
import type { GovernanceService } from '../access/governance-service.js';
import type { DirectoryService } from '../directory/directory-service.js';
import { type DocumentRecord, type Storage, StorageConflict } from '../storage/storage.js';
import type { KeyService } from '../sealed/key-service.js';
import type { MembershipChainService } from '../sealed/membership-chain-service.js';
import { RequestFailure } from './request-failure.js';

/** What a handler knows of the connection that asked. */
export interface Requester {
  readonly space: string;
  /** Undefined on the space's control channel. */
  readonly document: string | undefined;
  readonly publicKey: PublicKeyText;
  /** The name the client chose in its handshake, if it gave one. */
  readonly chosenName?: string;
  readonly role: Role | null;
  /** The protocol version the connection speaks (2 for sealed spaces). */
  readonly protocol: number;
  /** The client's address as the admission limits count it. */
  readonly address: string;
  /** Whether this connection is attached to a live document. */
  readonly attached: boolean;
  /** Attaches the connection to its (now existing) document and starts sync. */
  attach(record: DocumentRecord): Promise<void>;
  /** Resolves once every update received on this connection so far is stored. */
  drain(): Promise<void>;
  /** The member signed the pending agreement: content may now flow on this connection. */
  agreementSigned(): Promise<void>;
}

export interface RequestServices {
  readonly access: AccessService;
  readonly governance: GovernanceService;
  readonly storage: Storage;
  readonly keys: KeyService;
  readonly chain: MembershipChainService;
  readonly directory: DirectoryService;
  /** The service's public addresses (RelayOptions.publicUrls), for invite links. */
  readonly publicUrls: readonly string[];
}

export function documentInfo(record: DocumentRecord, size?: number): DocumentInfo {
  return {
    name: record.name,
    kind: record.kind,
    created: record.created,
    ...(size === undefined ? {} : { size }),
    ...(record.sealedName ? { sealedName: toBase64Url(record.sealedName) } : {}),
  };
}

const AUDIT_PAGE_MAX = 1000;

export async function handleRequest(
  services: RequestServices,
  who: Requester,
  request: Request,
): Promise<ResultOf[Request['op']]> {
  const { access, governance, storage } = services;
  const onSpaceChannel = (): void => {
    if (who.document !== undefined)
      throw new RequestFailure('bad-request', `${request.op} is sent on the space channel`);
  };
  // The directory's channel answers one request, and that request is answered nowhere else.
  const onDirectory = isDirectoryRoom({
    space: who.space,
    ...(who.document === undefined ? {} : { document: who.document }),
  });
  if (onDirectory !== (request.op === 'directory.list')) {
    throw new RequestFailure(
      'bad-request',
      onDirectory
        ? 'the directory channel answers directory.list only'
        : `${request.op} is sent on the directory channel`,
    );
  }
  const onDocumentChannel = (): string => {
    if (who.document === undefined)
      throw new RequestFailure('bad-request', `${request.op} is sent on a document channel`);
    return who.document;
  };

  // The relay channel is nobody's space: it answers only what concerns the caller.
  if (isRelayChannel(who) && request.op !== 'spaces.mine') {
    throw new RequestFailure('bad-request', `${request.op} is sent on a space or document channel`);
  }

  switch (request.op) {
    case 'spaces.mine':
      return { spaces: await access.spacesOf(who.publicKey) };

    case 'space.create':
      onSpaceChannel();
      if (request.sealed && who.protocol < 2) throw new RequestFailure('bad-request', 'sealed spaces need protocol 2');
      await access.createSpace(who.space, who.publicKey, request.name ?? who.chosenName, request.sealed ?? false);
      return { space: who.space };

    case 'members.list': {
      onSpaceChannel();
      await access.requireMember(who.space, who.publicKey);
      const members = await storage.listMembers(who.space);
      return { members: await Promise.all(members.map((m) => access.toWire(m))) };
    }

    case 'members.grant': {
      onSpaceChannel();
      const member = await access.grant(who.space, who.publicKey, request.publicKey, request.role, request.name);
      return { member: await access.toWire(member) };
    }

    case 'members.revoke':
      onSpaceChannel();
      return { removed: await access.revoke(who.space, who.publicKey, request.publicKey) };

    case 'audit.list': {
      onSpaceChannel();
      await access.requireLead(who.space, who.publicKey);
      const limit = Math.min(Math.max(request.limit ?? AUDIT_PAGE_MAX, 1), AUDIT_PAGE_MAX);
      return { entries: await access.listAudit(who.space, request.after ?? 0, limit) };
    }

    case 'documents.list': {
      onSpaceChannel();
      await access.requireMember(who.space, who.publicKey);
      return { documents: (await storage.listDocuments(who.space)).map((d) => documentInfo(d)) };
    }

    case 'document.create': {
      const name = onDocumentChannel();
      if (who.role === null || !canWrite(who.role)) {
        throw new RequestFailure('read-only', 'viewers cannot create documents');
      }
      let record = await storage.getDocument(who.space, name);
      if (!record) {
        record = {
          name,
          kind: request.kind,
          schemaVersion: DOCUMENT_SCHEMA_VERSION,
          created: new Date().toISOString(),
          ...(request.sealedName ? { sealedName: sealedNameBytes(request.sealedName) } : {}),
        };
        try {
          await storage.createDocument(who.space, record);
          await access.audit(who.space, {
            event: 'document-created',
            actor: who.publicKey,
            room: `${who.space}/${name}`,
          });
        } catch (error) {
          if (!(error instanceof StorageConflict)) throw error;
          record = (await storage.getDocument(who.space, name))!; // created concurrently by someone else
        }
      }
      if (record.kind !== request.kind) {
        throw new RequestFailure('conflict', `${name} exists as a ${record.kind}, not a ${request.kind}`);
      }
      if (!who.attached) await who.attach(record);
      return { document: documentInfo(record) };
    }

    case 'flush':
      onDocumentChannel();
      await who.drain();
      return { stored: true };

    case 'invites.create':
      onSpaceChannel();
      return {
        ...(await governance.createInvite(who.space, who.publicKey, request.role, request.expiresInSeconds)),
        ...(services.publicUrls.length > 0 ? { addresses: services.publicUrls } : {}),
      };

    case 'invites.list':
      // Any channel: a lead's key sharing on a document connection checks invite redemptions with it.
      return { invites: await governance.listInvites(who.space, who.publicKey) };

    case 'invites.revoke':
      onSpaceChannel();
      return { invite: await governance.revokeInvite(who.space, who.publicKey, request.id) };

    case 'requests.list':
      onSpaceChannel();
      return { requests: await governance.listRequests(who.space, who.publicKey, request.status) };

    case 'requests.approve': {
      onSpaceChannel();
      const approved = await governance.approve(who.space, who.publicKey, request.id, request.role);
      return { request: approved.request, member: await access.toWire(approved.member) };
    }

    case 'requests.deny':
      onSpaceChannel();
      return { request: await governance.deny(who.space, who.publicKey, request.id) };

    case 'agreement.set':
      onSpaceChannel();
      return { agreement: await governance.setAgreement(who.space, who.publicKey, request.text) };

    case 'agreement.get': {
      await access.requireMember(who.space, who.publicKey);
      const agreement = (await governance.currentAgreement(who.space)) ?? null;
      const pending = await governance.pendingAgreement(who.space, who.publicKey);
      return { agreement, signed: agreement !== null && pending === null };
    }

    case 'agreement.sign': {
      await access.requireMember(who.space, who.publicKey);
      const signature = await governance.sign(
        who.space,
        who.publicKey,
        request.version,
        request.hash,
        request.signature,
      );
      await who.agreementSigned();
      return { signature };
    }

    case 'agreement.signatures':
      onSpaceChannel();
      return { signatures: await governance.listSignatures(who.space, who.publicKey) };

    case 'keys.mine':
      return services.keys.mine(who.space, who.publicKey);
    case 'keys.missing':
      return services.keys.missing(who.space, who.publicKey);
    case 'keys.wrap':
      return services.keys.wrap(who.space, who.publicKey, request.keys);
    case 'keys.rotate':
      return services.keys.rotate(who.space, who.publicKey, request);
    case 'chain.get':
      return services.chain.get(who.space, who.publicKey);
    case 'chain.append':
      return services.chain.append(who.space, who.publicKey, request.statement);

    case 'listing.set':
      onSpaceChannel();
      return { listing: await services.directory.list(who.space, who.publicKey, request) };
    case 'listing.get':
      onSpaceChannel();
      return { listing: await services.directory.listing(who.space, who.publicKey) };
    case 'listing.remove':
      onSpaceChannel();
      return { removed: await services.directory.unlist(who.space, who.publicKey) };
    case 'hints.set':
      onSpaceChannel();
      return { hidden: await services.directory.hideFromHints(who.space, who.publicKey, request.hidden) };
    case 'directory.list':
      return { listings: await services.directory.read(who.publicKey, who.address) };
  }
}

function sealedNameBytes(text: string): Uint8Array {
  try {
    return fromBase64Url(text);
  } catch {
    throw new RequestFailure('bad-request', 'a sealed name is base64url');
  }
}
