/**
 * Rows as SQLite and PostgreSQL return them (the same column names in both schemas) and the records they
 * hold. Byte columns arrive as Buffers from both drivers; records carry plain Uint8Arrays.
 */
import type { AuditEntry, DocumentKind, PublicKeyText, Role } from '@enclave/shared';
import type {
  AccessRequestRecord,
  AgreementRecord,
  AgreementSignatureRecord,
  DocumentRecord,
  InviteRecord,
  MemberRecord,
  SetAsideEntry,
  SetAsideRecord,
  SpaceRecord,
  WrappedKeyRecord,
} from './storage.js';

export interface MemberRow {
  public_key: string;
  name: string;
  role: string;
  since: string;
  granted_by: string | null;
}
export interface DocumentRow {
  name: string;
  kind: string;
  schema_version: number;
  sealed_name: Buffer | null;
  created: string;
}
export interface AuditRow {
  seq: number;
  time: string;
  event: string;
  actor: string | null;
  subject: string | null;
  role: string | null;
  room: string | null;
  reason: string | null;
  count: number | null;
  since: string | null;
  actor_name: string | null;
  subject_name: string | null;
}

export interface SpaceRow {
  name: string;
  created: string;
  created_by: string;
  sealed: number;
}

export function toSpace(row: SpaceRow): SpaceRecord {
  const space = { name: row.name, created: row.created, createdBy: row.created_by as PublicKeyText };
  // Plain spaces leave `sealed` out, as they were recorded before sealed spaces existed.
  return row.sealed ? { ...space, sealed: true } : space;
}

export interface SetAsideRow {
  space: string;
  document: string;
  kind: SetAsideRecord['kind'];
  seq: number;
  data: Buffer;
  reason: string;
  time: string;
}

export interface InviteRow {
  id: string;
  token_hash: string;
  role: string;
  created: string;
  expires: string;
  created_by: string;
  used_by: string | null;
  used_at: string | null;
  used_proof?: string | null;
  revoked_at: string | null;
}
export interface RequestRow {
  id: string;
  public_key: string;
  name: string;
  message: string;
  created: string;
  status: string;
  resolved_by: string | null;
  resolved_at: string | null;
  /** Where the request came from: 'directory', or null for a request made knowing the space. */
  via?: string | null;
}
export interface AgreementRow {
  version: number;
  hash: string;
  text: string;
  set_by: string;
  created: string;
}
export interface SignatureRow {
  version: number;
  hash: string;
  public_key: string;
  signature: string;
  signed: string;
}

export function toInvite(row: InviteRow): InviteRecord {
  return {
    id: row.id,
    tokenHash: row.token_hash,
    role: row.role as Role,
    created: row.created,
    expires: row.expires,
    createdBy: row.created_by as PublicKeyText,
    usedBy: row.used_by as PublicKeyText | null,
    usedAt: row.used_at,
    revokedAt: row.revoked_at,
    ...(row.used_proof ? { usedProof: row.used_proof } : {}),
  };
}

export function toRequest(row: RequestRow): AccessRequestRecord {
  return {
    id: row.id,
    publicKey: row.public_key as PublicKeyText,
    name: row.name,
    message: row.message,
    created: row.created,
    status: row.status as AccessRequestRecord['status'],
    resolvedBy: row.resolved_by as PublicKeyText | null,
    resolvedAt: row.resolved_at,
    ...(row.via === 'directory' ? { via: row.via } : {}),
  };
}

export function toSignature(row: SignatureRow): AgreementSignatureRecord {
  return {
    version: row.version,
    hash: row.hash,
    publicKey: row.public_key as PublicKeyText,
    signature: row.signature,
    signed: row.signed,
  };
}

export function toMember(row: MemberRow): MemberRecord {
  return {
    publicKey: row.public_key as PublicKeyText,
    name: row.name,
    role: row.role as Role,
    since: row.since,
    grantedBy: row.granted_by as PublicKeyText | null,
  };
}

export function toDocument(row: DocumentRow): DocumentRecord {
  return {
    name: row.name,
    kind: row.kind as DocumentKind,
    schemaVersion: row.schema_version,
    created: row.created,
    ...(row.sealed_name ? { sealedName: new Uint8Array(row.sealed_name) } : {}),
  };
}

export function toAudit(row: AuditRow): AuditEntry {
  const entry: Record<string, unknown> = { seq: row.seq, time: row.time, event: row.event, actor: row.actor };
  if (row.actor_name !== null) entry['actorName'] = row.actor_name;
  if (row.subject !== null) entry['subject'] = row.subject;
  if (row.subject_name !== null) entry['subjectName'] = row.subject_name;
  if (row.role !== null) entry['role'] = row.role;
  if (row.room !== null) entry['room'] = row.room;
  if (row.reason !== null) entry['reason'] = row.reason;
  if (row.count !== null) entry['count'] = row.count;
  if (row.since !== null) entry['since'] = row.since;
  return entry as unknown as AuditEntry;
}

export interface WrappedKeyRow {
  epoch: number;
  public_key: string;
  wrapped: Buffer;
  wrapped_by: string;
  created: string;
}

export function toWrappedKey(row: WrappedKeyRow): WrappedKeyRecord {
  return {
    epoch: row.epoch,
    publicKey: row.public_key as PublicKeyText,
    wrapped: new Uint8Array(row.wrapped),
    wrappedBy: row.wrapped_by as PublicKeyText,
    created: row.created,
  };
}

export function toSetAside(row: SetAsideRow): SetAsideEntry {
  return {
    space: row.space,
    document: row.document,
    kind: row.kind,
    seq: row.seq,
    data: new Uint8Array(row.data),
    reason: row.reason,
    time: row.time,
  };
}

export function toAgreement(row: AgreementRow): AgreementRecord {
  return { version: row.version, hash: row.hash, text: row.text, setBy: row.set_by as PublicKeyText, set: row.created };
}
