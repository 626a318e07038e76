/**
 * Links people paste to each other: an invite (`join`) or a document (`open`). The query is the same for
 * every scheme, so `enclave://join?...`, `vscode://<ext>/join?...` and a JupyterLab URL parameter all carry
 * one payload, parsed here once.
 */
import { checkName } from './rooms.js';

export interface InviteLink {
  readonly kind: 'join';
  readonly relay: string;
  readonly space: string;
  /** The secret invite token. */
  readonly token: string;
  /**
   * Sealed spaces: the invite's admission secret (sealed/invite-admission.ts). It stays in the link: the
   * client sends the relay only a proof made with it.
   */
  readonly admit?: string;
}

export interface DocumentLink {
  readonly kind: 'open';
  readonly relay: string;
  readonly space: string;
  readonly document: string;
}

export type EnclaveLink = InviteLink | DocumentLink;

export function formatLink(link: EnclaveLink, base = 'enclave://'): string {
  const query = new URLSearchParams({ relay: link.relay, space: link.space });
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
  const relay = query.get('relay');
  const space = query.get('space');
  if (!relay || !/^wss?:\/\//.test(relay)) throw new Error('the link has no ws:// or wss:// relay');
  if (!space) throw new Error('the link names no space');
  checkName('space', space);
  if (match[1]!.toLowerCase() === 'join') {
    const token = query.get('invite');
    if (!token) throw new Error('the link has no invite token');
    const admit = query.get('admit');
    return admit ? { kind: 'join', relay, space, token, admit } : { kind: 'join', relay, space, token };
  }
  const document = query.get('doc');
  if (!document) throw new Error('the link names no document');
  checkName('document', document);
  return { kind: 'open', relay, space, document };
}
