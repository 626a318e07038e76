/**
 * Where a shared document lives (relay, space, document) and its link form, handled by the extension's
 * URI handler: `<scheme>://enclave.enclave-vscode/open?relay=ws%3A%2F%2F...&space=team&document=notes.ipynb`.
 */
import { checkName } from '@enclave/shared';

export interface DocumentAddress {
  readonly relay: string;
  readonly space: string;
  readonly document: string;
}

export const EXTENSION_ID = 'enclave.enclave-vscode';

export function checkAddress(address: DocumentAddress): DocumentAddress {
  if (!/^wss?:\/\//.test(address.relay)) throw new Error(`"${address.relay}" is not a ws:// or wss:// relay URL`);
  checkName('space', address.space);
  checkName('document', address.document);
  return address;
}

export function linkFor(address: DocumentAddress, uriScheme: string): string {
  const query = new URLSearchParams({ relay: address.relay, space: address.space, document: address.document });
  return `${uriScheme}://${EXTENSION_ID}/open?${query.toString()}`;
}

/** The address in a link's path and query (`/open?relay=...&space=...&document=...`). */
export function addressFromLink(path: string, query: string): DocumentAddress {
  if (path !== '/open') throw new Error(`unknown Enclave link "${path}"`);
  const params = new URLSearchParams(query);
  const relay = params.get('relay');
  const space = params.get('space');
  const document = params.get('document');
  if (!relay || !space || !document) throw new Error('an Enclave link names a relay, a space and a document');
  return checkAddress({ relay, space, document });
}

export function describeAddress(address: DocumentAddress): string {
  return `${address.space}/${address.document}`;
}
