/**
 * The handshake's decision: given a client's answer to the challenge, refuse it, let it wait for a lead
 * (access request), or admit it, as a member or as a relay admin on a space channel. Nothing is sent to the
 * client here; the connection acts on the outcome. Invite redemption happens here because it is what turns
 * a non-member into a member, atomically in storage.
 */
import {
  type AuthenticateMessage,
  CloseCode,
  isDirectoryRoom,
  isRelayChannel,
  type PublicKeyText,
  type RoomAddress,
  roomName,
  SUPPORTED_PROTOCOL_VERSIONS,
  verifyAnswer,
} from '@enclave/shared';
import type { AccessService } from '../access/access-service.js';
import type { GovernanceService } from '../access/governance-service.js';
import { DIRECTORY_OFF, type DirectoryService } from '../directory/directory-service.js';
import type { MemberRecord } from '../storage/storage.js';

export interface Refusal {
  readonly kind: 'refuse';
  readonly code: number;
  /** Why, for the log and the audit. */
  readonly reason: string;
  readonly claimedKey: PublicKeyText | null;
  /** Known when the decision already looked the space up (so the audit need not). */
  readonly spaceExists?: boolean;
  /** What the client is told, when it may be told more than "access denied". */
  readonly publicReason?: string;
}

export type HandshakeOutcome =
  | Refusal
  | {
      readonly kind: 'ask';
      readonly publicKey: PublicKeyText;
      readonly protocol: number;
      readonly ask: { readonly name: string; readonly message: string; readonly via?: 'directory' };
    }
  | {
      readonly kind: 'admit';
      readonly publicKey: PublicKeyText;
      readonly protocol: number;
      /** Undefined for a relay admin who is not a member (space channels only). */
      readonly member: MemberRecord | undefined;
      readonly admin: boolean;
      readonly spaceExists: boolean;
      readonly sealed: boolean;
      /** The name the client chose for itself in its handshake: a claim, recorded only where nobody named it. */
      readonly chosenName?: string;
    };

export interface HandshakeContext {
  readonly relayId: PublicKeyText;
  readonly access: AccessService;
  readonly governance: GovernanceService;
  readonly directory: DirectoryService;
}

export function refusal(
  code: number,
  reason: string,
  claimedKey: PublicKeyText | null,
  extra: { spaceExists?: boolean; publicReason?: string } = {},
): Refusal {
  return { kind: 'refuse', code, reason, claimedKey, ...extra };
}

export async function decideHandshake(
  context: HandshakeContext,
  room: RoomAddress,
  nonce: string,
  message: AuthenticateMessage,
): Promise<HandshakeOutcome> {
  const { access, governance } = context;
  if (!SUPPORTED_PROTOCOL_VERSIONS.includes(message.protocol)) {
    return refusal(CloseCode.UnsupportedVersion, `protocol ${message.protocol} is not supported`, null);
  }
  const valid = await verifyAnswer(message, { nonce, relayId: context.relayId, room: roomName(room) });
  if (!valid) return refusal(CloseCode.Unauthenticated, 'invalid signature', message.publicKey);
  const { publicKey, protocol } = message;
  // The directory admits any key that proved itself: it shows only what leads chose to list.
  if (isDirectoryRoom(room)) {
    if (!context.directory.enabled) {
      return refusal(CloseCode.Forbidden, 'directory off', publicKey, { publicReason: DIRECTORY_OFF });
    }
    const admin = access.isAdmin(publicKey);
    return { kind: 'admit', publicKey, protocol, member: undefined, admin, spaceExists: false, sealed: false };
  }
  // The relay channel admits every signed key: it only answers what concerns the key itself (spaces.mine).
  if (isRelayChannel(room)) {
    const admin = access.isAdmin(publicKey);
    return { kind: 'admit', publicKey, protocol, member: undefined, admin, spaceExists: false, sealed: false };
  }
  const found = await access.lookup(room.space, publicKey);
  const spaceExists = Boolean(found.space);
  if (found.space?.sealed && protocol < 2 && found.member) {
    // Only members learn that the space is sealed; anyone else is refused as at any space.
    return refusal(CloseCode.UpgradeRequired, 'sealed space, protocol 1', publicKey, {
      spaceExists,
      publicReason: 'this space is sealed: upgrade Enclave (protocol 2) to open it',
    });
  }
  let member = found.member;
  if (!member && message.invite !== undefined) {
    const redeemed = found.space
      ? await governance.redeem(room.space, publicKey, message.invite, message.name, message.inviteProof)
      : 'invite not valid';
    if (typeof redeemed === 'string') {
      return refusal(CloseCode.Forbidden, redeemed, publicKey, { spaceExists, publicReason: redeemed });
    }
    member = redeemed;
  }
  if (!member && message.accessRequest && room.document === undefined) {
    const { name, message: text, via } = message.accessRequest;
    // "From the directory" is kept only while the space is listed: a lead is never told a listing they lack.
    const fromListing = via === 'directory' && (await context.directory.isListed(room.space));
    const ask = { name: name.trim() ? name : (message.name ?? ''), message: text };
    return { kind: 'ask', publicKey, protocol, ask: fromListing ? { ...ask, via } : ask };
  }
  // A member a lead added without a name takes the one they chose (a lead's name always wins).
  if (member) member = await access.adoptChosenName(room.space, member, message.name);
  const admin = access.isAdmin(publicKey);
  // Admins may open a space channel (to create the space) without being members; never a document.
  const admitted = room.document === undefined ? Boolean(member) || admin : Boolean(member);
  if (!admitted) return refusal(CloseCode.Forbidden, 'not a member', publicKey, { spaceExists });
  return {
    kind: 'admit',
    publicKey,
    protocol,
    member,
    admin,
    spaceExists,
    sealed: Boolean(found.space?.sealed),
    ...(message.name === undefined ? {} : { chosenName: message.name }),
  };
}
