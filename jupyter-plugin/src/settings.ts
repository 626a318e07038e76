/**
 * The plugin's settings (schema/plugin.json), read from JupyterLab's settings registry into a checked,
 * immutable shape. Relays live here, in the shape both editors share (shared's relay-settings.ts); the identity does not (the settings are stored on the Jupyter
 * server, and the secret key never leaves the browser).
 */
import { readRelayList, type RelayEntry, relayWithAddress } from '@enclave/shared';

export interface EnclaveSettings {
  readonly relays: readonly RelayEntry[];
  /** The display name a new identity gets; people can change it when the identity is created. */
  readonly displayName: string;
  /** Render collaborators' cursors and selections in editors. */
  readonly showRemoteCursors: boolean;
}

export const DEFAULT_SETTINGS: EnclaveSettings = { relays: [], displayName: '', showRemoteCursors: true };

/**
 * Reads the composite settings. Invalid relay entries are reported in `problems` and left out, so one
 * typo does not disable every relay.
 */
export function readSettings(composite: unknown): { settings: EnclaveSettings; problems: string[] } {
  const raw = (typeof composite === 'object' && composite !== null ? composite : {}) as Record<string, unknown>;
  const { relays, problems } = readRelayList(raw['relays']);
  const displayName = typeof raw['displayName'] === 'string' ? raw['displayName'].trim() : '';
  const showRemoteCursors = raw['showRemoteCursors'] !== false;
  return { settings: { relays, displayName, showRemoteCursors }, problems };
}

export function findRelay(settings: EnclaveSettings, name: string): RelayEntry {
  const relay = settings.relays.find((r) => r.name === name);
  if (!relay) {
    const known = settings.relays.map((r) => r.name).join(', ') || 'none';
    throw new Error(`no relay named "${name}" in the Enclave settings (configured: ${known})`);
  }
  return relay;
}

/** The configured relay with this URL as its address or an alternate (compared without trailing slashes), if any. */
export function findRelayByUrl(settings: EnclaveSettings, url: string): RelayEntry | undefined {
  return relayWithAddress(settings.relays, url);
}
