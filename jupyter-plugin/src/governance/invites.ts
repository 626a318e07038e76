/**
 * Invite links in JupyterLab: the `enclave://join?relay=..&space=..&invite=TOKEN` link the CLI prints, the
 * same payload as a JupyterLab URL parameter (`/lab?enclave-join=<encoded link>`), and joining with one.
 * The relay refuses a used, expired, revoked or forged invite with a reason that says which.
 */
import {
  connectionAddresses,
  EnclaveConnection,
  formatLink,
  type Identity,
  type InviteLink,
  linkAddresses,
  parseLink,
  type RelayEntry,
  type Role,
  type WebSocketConstructor,
} from '@enclave/shared';
import { type AgreementPrompt, passAgreement } from '@enclave/shared';

/** The URL parameter that makes JupyterLab join with an invite when it opens. */
export const JOIN_PARAM = 'enclave-join';

/** Parses an invite link; throws saying why it is not one. */
export function parseInviteLink(text: string): InviteLink {
  const link = parseLink(text);
  if (link.kind !== 'join') throw new Error('that is a document link, not an invite');
  return link;
}

/** The JupyterLab address that opens `link` (base: JupyterLab's base URL, e.g. `http://host/`). */
export function labJoinUrl(base: string, link: InviteLink): string {
  const url = new URL('lab', base.endsWith('/') ? base : `${base}/`);
  url.searchParams.set(JOIN_PARAM, formatLink(link));
  return url.toString();
}

/** The invite link carried by a page address, if any. */
export function joinLinkFromUrl(href: string): string | undefined {
  return new URL(href).searchParams.get(JOIN_PARAM) ?? undefined;
}

/** The page address without the join parameter (so a reload does not join again). */
export function withoutJoinParam(href: string): string {
  const url = new URL(href);
  url.searchParams.delete(JOIN_PARAM);
  return url.toString();
}

export interface JoinOptions {
  readonly link: InviteLink;
  /** The relay's name in the settings (for the agreement prompt and paths). */
  readonly relay: string;
  /** The configured relays: the link's service's addresses there are tried too (connectionAddresses). */
  readonly relays?: readonly RelayEntry[];
  readonly identity: Identity;
  readonly WebSocket: WebSocketConstructor;
  readonly agreement: AgreementPrompt;
}

export interface Joined {
  readonly relay: string;
  readonly space: string;
  readonly role: Role | null;
  readonly documents: readonly { name: string; kind: string }[];
}

/** Joins the space with the invite; rejects with the relay's reason (e.g. "invite expired"). */
export async function joinWithInvite(options: JoinOptions): Promise<Joined> {
  const { link } = options;
  const connection = new EnclaveConnection({
    ...connectionAddresses(options.relays ?? [], link.relay, linkAddresses(link)),
    room: { space: link.space },
    identity: options.identity,
    WebSocket: options.WebSocket,
    reconnect: false,
    invite: link.token,
    ...(link.admit ? { inviteSecret: link.admit } : {}),
  }).connect();
  try {
    const welcome = await passAgreement(connection, { relay: options.relay, space: link.space }, options.agreement);
    const { documents } = await connection.request({ op: 'documents.list' });
    return {
      relay: options.relay,
      space: link.space,
      role: welcome.role,
      documents: documents.map((d) => ({ name: d.name, kind: d.kind })),
    };
  } finally {
    connection.destroy();
  }
}
