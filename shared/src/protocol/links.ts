/**
 * Links people paste to each other: an invite (`join`) or a document (`open`). The query is the same for
 * every scheme, so `enclave://join?...`, `vscode://<ext>/join?...` and a JupyterLab URL parameter all carry
 * one payload, parsed here once. A service served from several addresses (a cluster) repeats `relay`: the
 * first is tried first, the others are alternates; a reader that knows only one `relay` takes the first.
 */
import { checkName } from './rooms.js';

/** Where a link's relay is: its first address and the alternates of the same service. */
interface LinkRelay {
  readonly relay: string;
  /** Further addresses of the same service, tried when `relay` does not answer (absent: none). */
  readonly alternates?: readonly string[];
}

export interface InviteLink extends LinkRelay {
  readonly kind: 'join';
  readonly space: string;
  /** The secret invite token. */
  readonly token: string;
  /**
   * Sealed spaces: the invite's admission secret (sealed/invite-admission.ts). It stays in the link: the
   * client sends the relay only a proof made with it.
   */
  readonly admit?: string;
}

export interface DocumentLink extends LinkRelay {
  readonly kind: 'open';
  readonly space: string;
  readonly document: string;
}

export type EnclaveLink = InviteLink | DocumentLink;

/** More addresses than any service needs: a pasted link is untrusted text. */
export const MAX_LINK_ADDRESSES = 8;
const RELAY_ADDRESS = /^wss?:\/\/\S+$/;

export function formatLink(link: EnclaveLink, base = 'enclave://'): string {
  const query = new URLSearchParams();
  for (const relay of linkAddresses(link)) query.append('relay', relay);
  query.set('space', link.space);
  if (link.kind === 'join') {
    query.set('invite', link.token);
    if (link.admit) query.set('admit', link.admit);
  } else query.set('doc', link.document);
  return `${base}${link.kind}?${query.toString()}`;
}

/** Parses any `<scheme>://<authority>/<join|open>?relay=..&space=..&(invite|doc)=..`; throws saying what is missing. */
export function parseLink(text: string): EnclaveLink {
  const match = /^[a-z][a-z0-9+.-]*:\/\/[^?]*?(join|open)\?(.*)$/i.exec(text.trim());
  if (!match) throw new Error('not an Enclave link (expected ...join?... or ...open?...)');
  const query = new URLSearchParams(match[2]);
  const relays = [...new Set(query.getAll('relay'))];
  const space = query.get('space');
  if (relays.length === 0) throw new Error('the link has no ws:// or wss:// relay');
  if (relays.length > MAX_LINK_ADDRESSES)
    throw new Error(`the link has more than ${MAX_LINK_ADDRESSES} relay addresses`);
  const bad = relays.find((relay) => !RELAY_ADDRESS.test(relay));
  if (bad !== undefined) throw new Error(`the link's relay "${bad}" is not a ws:// or wss:// URL`);
  const [relay, ...others] = relays as [string, ...string[]];
  const where = others.length > 0 ? { relay, alternates: others } : { relay };
  if (!space) throw new Error('the link names no space');
  checkName('space', space);
  if (match[1]!.toLowerCase() === 'join') {
    const token = query.get('invite');
    if (!token) throw new Error('the link has no invite token');
    const admit = query.get('admit');
    return admit ? { kind: 'join', ...where, space, token, admit } : { kind: 'join', ...where, space, token };
  }
  const document = query.get('doc');
  if (!document) throw new Error('the link names no document');
  checkName('document', document);
  return { kind: 'open', ...where, space, document };
}

/** Every address of a link's relay, first one first, without repeats. */
export function linkAddresses(link: LinkRelay): string[] {
  return [...new Set([link.relay, ...(link.alternates ?? [])])];
}

/**
 * The link for a new invite. `created`: what the relay answered to `invites.create`; its `addresses` (the
 * service's public addresses, when its operator configured them) go in the link, else the address the lead
 * used and its alternates.
 */
export function newInviteLink(
  used: LinkRelay,
  space: string,
  created: { readonly token: string; readonly addresses?: readonly string[]; readonly admit?: string },
): InviteLink {
  // What the relay answers is checked as any inbound data: only WebSocket URLs, a bounded number.
  const given = (created.addresses ?? []).filter((a) => RELAY_ADDRESS.test(a)).slice(0, MAX_LINK_ADDRESSES);
  const [relay, ...alternates] = given.length > 0 ? [...new Set(given)] : linkAddresses(used);
  return {
    kind: 'join',
    relay: relay!,
    ...(alternates.length > 0 ? { alternates } : {}),
    space,
    token: created.token,
    ...(created.admit ? { admit: created.admit } : {}),
  };
}
