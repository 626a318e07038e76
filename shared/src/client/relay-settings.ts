/**
 * The relay list both editors keep in their settings (VS Code `enclave.relays`, JupyterLab's `relays`): one
 * shape, `{ name, url }`, declared once here as a JSON schema fragment (each editor's manifest carries it,
 * and a test in each checks it is this one) and read once here. A bare URL, VS Code's earlier shape, is
 * still read: it is named after its host.
 */
import { isValidName } from '../protocol/rooms.js';

export interface RelayEntry {
  /** Short name, shown in pickers and used in JupyterLab paths: `Enclave:<name>/<space>/<doc>`. */
  readonly name: string;
  /** `ws://` or `wss://` URL of the relay, without a trailing slash. */
  readonly url: string;
  /** More addresses of the same relay service (a cluster), tried in turn when `url` fails. */
  readonly alternates?: readonly string[];
}

/** JSON schema of the relay list setting, as both editors declare it. */
export const RELAY_LIST_SCHEMA = {
  type: 'array',
  items: {
    anyOf: [
      {
        type: 'object',
        properties: {
          name: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$' },
          url: { type: 'string', pattern: '^wss?://' },
          alternates: { type: 'array', items: { type: 'string', pattern: '^wss?://' } },
        },
        required: ['name', 'url'],
        additionalProperties: false,
      },
      { type: 'string', pattern: '^wss?://' },
    ],
  },
  default: [],
} as const;

/** Checks a relay URL: a WebSocket URL with no credentials in it; returns it without trailing slashes. */
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
 * One relay given as several addresses, as a person types them (`--relay`, ENCLAVE_RELAY): separated by
 * commas or spaces. The first is tried first; each is checked like any relay URL.
 */
export function parseRelayAddresses(text: string): { url: string; alternates: string[] } {
  const [url, ...alternates] = text
    .split(/[\s,]+/)
    .filter((part) => part !== '')
    .map(checkRelayUrl);
  if (url === undefined) throw new Error('no relay URL given');
  return { url, alternates };
}

/** A relay service's addresses as EnclaveConnection takes them: the one tried first, then the others. */
export interface RelayAddresses {
  readonly relayUrl: string;
  readonly alternateUrls: readonly string[];
}

/** The configured relay one of whose addresses is `url` (compared without trailing slashes), if any. */
export function relayWithAddress(relays: readonly RelayEntry[], url: string): RelayEntry | undefined {
  const bare = (address: string): string => address.replace(/\/+$/, '');
  const wanted = bare(url);
  return relays.find((r) => [r.url, ...(r.alternates ?? [])].some((address) => bare(address) === wanted));
}

/**
 * The addresses a connection to `url` uses, in the shape EnclaveConnection takes: when a configured relay
 * has `url` as its address or an alternate, all of that service's addresses with `url` first (so an editor
 * whose relay dies moves to another address of the same service); otherwise `url` alone. `known`: more
 * addresses the caller was given for this service (an invite link's), tried after those. Every connection
 * an editor opens to a relay gets its addresses here.
 */
export function connectionAddresses(
  relays: readonly RelayEntry[],
  url: string,
  known: readonly string[] = [],
): RelayAddresses {
  const bare = (address: string): string => address.replace(/\/+$/, '');
  const relayUrl = bare(url);
  const relay = relayWithAddress(relays, relayUrl);
  const all = [...(relay ? [relay.url, ...(relay.alternates ?? [])] : []), ...known].map(bare);
  return { relayUrl, alternateUrls: [...new Set(all)].filter((address) => address !== relayUrl) };
}

/** A relay name for a URL without one: its host (and port), made unique among `taken`. */
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

/**
 * Reads the relay list setting, in either shape. Invalid entries are left out and said in `problems`, so
 * one typo does not disable every relay.
 */
export function readRelayList(value: unknown): { relays: RelayEntry[]; problems: string[] } {
  const relays: RelayEntry[] = [];
  const problems: string[] = [];
  const taken = (): string[] => relays.map((r) => r.name);
  for (const entry of Array.isArray(value) ? (value as unknown[]) : []) {
    try {
      if (typeof entry === 'string') {
        if (entry.trim() === '') continue;
        const url = checkRelayUrl(entry.trim());
        relays.push({ name: suggestRelayName(url, taken()), url });
        continue;
      }
      const { name, url, alternates } = (entry ?? {}) as Record<string, unknown>;
      if (typeof name !== 'string' || typeof url !== 'string') throw new Error('a relay needs "name" and "url"');
      if (!isValidName(name)) throw new Error(`relay name "${name}" must be letters, digits, ".", "_" or "-"`);
      if (taken().includes(name)) throw new Error(`relay name "${name}" is used twice`);
      if (alternates !== undefined && !(Array.isArray(alternates) && alternates.every((a) => typeof a === 'string')))
        throw new Error(`relay "${name}": "alternates" must be a list of ws:// or wss:// URLs`);
      const others = (alternates ?? []).map(checkRelayUrl);
      relays.push({ name, url: checkRelayUrl(url), ...(others.length > 0 ? { alternates: others } : {}) });
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  return { relays, problems };
}
