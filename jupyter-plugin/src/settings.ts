/**
 * The plugin's settings (schema/plugin.json), read from JupyterLab's settings registry into a checked,
 * immutable shape. Relay URLs live here; the identity does not (the settings are stored on the Jupyter
 * server, and the secret key never leaves the browser).
 */
import { isValidName } from '@enclave/shared';

export interface RelayEntry {
  /** Short name used in paths: `Enclave:<name>/<space>/<doc>`. */
  readonly name: string;
  /** `ws://` or `wss://` URL of the relay. */
  readonly url: string;
}

export interface EnclaveSettings {
  readonly relays: readonly RelayEntry[];
  /** The display name a new identity gets; people can change it when the identity is created. */
  readonly displayName: string;
  /** Render collaborators' cursors and selections in editors. */
  readonly showRemoteCursors: boolean;
}

export const DEFAULT_SETTINGS: EnclaveSettings = { relays: [], displayName: '', showRemoteCursors: true };

/** Checks a relay URL: a WebSocket URL with no credentials in it. */
export function checkRelayUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`"${url}" is not a URL`);
  }
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') {
    throw new Error(`relay URL "${url}" must start with ws:// or wss://`);
  }
  if (parsed.username || parsed.password) throw new Error('a relay URL must not contain credentials');
  return url.replace(/\/+$/, '');
}

/**
 * Reads the composite settings. Invalid relay entries are reported in `problems` and left out, so one
 * typo does not disable every relay.
 */
export function readSettings(composite: unknown): { settings: EnclaveSettings; problems: string[] } {
  const problems: string[] = [];
  const raw = (typeof composite === 'object' && composite !== null ? composite : {}) as Record<string, unknown>;
  const relays: RelayEntry[] = [];
  const seen = new Set<string>();
  for (const entry of Array.isArray(raw['relays']) ? raw['relays'] : []) {
    const { name, url } = (entry ?? {}) as Record<string, unknown>;
    try {
      if (typeof name !== 'string' || typeof url !== 'string') throw new Error('a relay needs "name" and "url"');
      if (!isValidName(name)) throw new Error(`relay name "${name}" must be letters, digits, ".", "_" or "-"`);
      if (seen.has(name)) throw new Error(`relay name "${name}" is used twice`);
      relays.push({ name, url: checkRelayUrl(url) });
      seen.add(name);
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
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

/** The configured relay with this URL (compared without trailing slashes), if any. */
export function findRelayByUrl(settings: EnclaveSettings, url: string): RelayEntry | undefined {
  const wanted = url.replace(/\/+$/, '');
  return settings.relays.find((r) => r.url.replace(/\/+$/, '') === wanted);
}

/** A relay name for a URL met in a link: its host (and port), made unique among `taken`. */
export function suggestRelayName(url: string, taken: readonly string[]): string {
  let base: string;
  try {
    const parsed = new URL(url);
    base = `${parsed.hostname}${parsed.port ? `-${parsed.port}` : ''}`.replace(/[^A-Za-z0-9._-]+/g, '-');
  } catch {
    base = 'relay';
  }
  base = base.replace(/^[^A-Za-z0-9]+/, '').slice(0, 100) || 'relay';
  let name = base;
  for (let i = 2; taken.includes(name); i++) name = `${base}-${i}`;
  return name;
}
