/**
 * A shared document as a file of the extension's own file system:
 * `enclave:/<relay name>/<space>/<document>?relay=<relay URL>`. The path is what people see (the tab
 * shows the document's name, its folder is the space); the query carries the relay's URL so that a
 * reload or a recent-files entry finds the relay even when it is not (or no longer) in the settings. A
 * URI without the query names a relay of the `enclave.relays` setting.
 */
import * as vscode from 'vscode';
import { checkName, checkRelayUrl, type RelayEntry, suggestRelayName } from '@enclave/shared';
import { checkAddress, type DocumentAddress } from '../session/address.js';

export const ENCLAVE_SCHEME = 'enclave';

export function isEnclaveUri(uri: vscode.Uri): boolean {
  return uri.scheme === ENCLAVE_SCHEME;
}

/** The relay's name in paths: its name in the settings, else one made from its host. */
export function relayName(url: string, relays: readonly RelayEntry[]): string {
  const relay = checkRelayUrl(url);
  return (
    relays.find((r) => r.url === relay)?.name ??
    suggestRelayName(
      relay,
      relays.map((r) => r.name),
    )
  );
}

export function uriFor(address: DocumentAddress, relays: readonly RelayEntry[]): vscode.Uri {
  const { relay, space, document } = checkAddress(address);
  return vscode.Uri.from({
    scheme: ENCLAVE_SCHEME,
    path: `/${relayName(relay, relays)}/${space}/${document}`,
    query: new URLSearchParams({ relay: checkRelayUrl(relay) }).toString(),
  });
}

/** What an `enclave:` path points at: a relay, a space, or a document (names checked). */
export type EnclavePath =
  | { readonly kind: 'relay'; readonly relay: string }
  | { readonly kind: 'space'; readonly relay: string; readonly space: string }
  | { readonly kind: 'document'; readonly address: DocumentAddress };

export function parseEnclaveUri(uri: vscode.Uri, relays: readonly RelayEntry[]): EnclavePath {
  if (!isEnclaveUri(uri)) throw new Error(`${uri.toString()} is not an Enclave document`);
  const segments = uri.path.split('/').filter((s) => s.length > 0);
  if (segments.length === 0 || segments.length > 3) throw vscode.FileSystemError.FileNotFound(uri);
  const [name, space, document] = segments as [string, string | undefined, string | undefined];
  const given = new URLSearchParams(uri.query).get('relay');
  const url = given ? checkRelayUrl(given) : relays.find((r) => r.name === name)?.url;
  if (!url) {
    throw vscode.FileSystemError.FileNotFound(
      `no relay named "${name}" in the enclave.relays setting (needed to open ${uri.path})`,
    );
  }
  if (space === undefined) return { kind: 'relay', relay: url };
  if (document === undefined) return { kind: 'space', relay: url, space: checkName('space', space) };
  return { kind: 'document', address: checkAddress({ relay: url, space, document }) };
}

/** The document a URI names; throws FileNotFound for a relay or a space. */
export function addressOf(uri: vscode.Uri, relays: readonly RelayEntry[]): DocumentAddress {
  const parsed = parseEnclaveUri(uri, relays);
  if (parsed.kind !== 'document') throw vscode.FileSystemError.FileIsADirectory(uri);
  return parsed.address;
}
