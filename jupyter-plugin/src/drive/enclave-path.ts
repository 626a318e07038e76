/**
 * Where an Enclave document lives inside JupyterLab's contents: the drive `Enclave`, with the local path
 * `<relay>/<space>/<document>`. The relay segment is the name of a relay in the settings, so one JupyterLab
 * can hold documents from several relays; JupyterLab's own paths (`Enclave:team/lab/analysis.ipynb`) then
 * name exactly one room on one relay.
 */
import { checkName, isValidName, type RoomAddress } from '@enclave/shared';

export const DRIVE_NAME = 'Enclave';

export interface EnclaveLocation {
  /** The relay's name in the settings. */
  readonly relay: string;
  readonly space: string;
  /** Undefined for a space (a folder in the drive). */
  readonly document?: string;
}

/** `Enclave:relay/space/doc`, the path JupyterLab's document manager opens. */
export function drivePath(location: EnclaveLocation): string {
  return `${DRIVE_NAME}:${localPath(location)}`;
}

export function localPath(location: EnclaveLocation): string {
  const parts = [location.relay, location.space];
  if (location.document !== undefined) parts.push(location.document);
  return parts.join('/');
}

/** Strips the drive prefix if present (JupyterLab hands drives local paths, shared-model factories global ones). */
export function stripDrive(path: string): string {
  return path.startsWith(`${DRIVE_NAME}:`) ? path.slice(DRIVE_NAME.length + 1) : path;
}

/** Parses a (global or local) path; throws with a reason a person can act on. */
export function parseLocation(path: string): EnclaveLocation {
  const parts = stripDrive(path)
    .replace(/^\/+|\/+$/g, '')
    .split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === '')) {
    throw new Error(`"${path}" is not an Enclave path: expected RELAY/SPACE/DOCUMENT`);
  }
  const [relay, space, document] = parts as [string, string, string | undefined];
  if (!isValidName(relay)) throw new Error(`"${relay}" is not a relay name from the Enclave settings`);
  checkName('space', space);
  if (document !== undefined) checkName('document', document);
  return document === undefined ? { relay, space } : { relay, space, document };
}

export function roomOf(location: EnclaveLocation): RoomAddress {
  return location.document === undefined
    ? { space: location.space }
    : { space: location.space, document: location.document };
}

/**
 * What a person types to name a document: `relay/space/doc`, or `space/doc` when only one relay is
 * configured (or a drive path as shown in JupyterLab).
 */
export function resolveTarget(text: string, relayNames: readonly string[]): EnclaveLocation {
  const trimmed = stripDrive(text.trim()).replace(/^\/+|\/+$/g, '');
  const parts = trimmed.split('/');
  if (parts.length === 2 && relayNames.length === 1) return parseLocation(`${relayNames[0]}/${trimmed}`);
  const location = parseLocation(trimmed);
  if (!relayNames.includes(location.relay)) {
    throw new Error(
      `no relay named "${location.relay}" in the Enclave settings (configured: ${relayNames.join(', ') || 'none'})`,
    );
  }
  return location;
}
