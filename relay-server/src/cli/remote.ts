/**
 * Opening connections from the CLI: one attempt (no reconnect), Node's `ws` as the WebSocket, and a
 * deadline so a silent relay cannot hang a script.
 */
import { readFileSync } from 'node:fs';
import WebSocket from 'ws';
import {
  type ChainPins,
  checkIdentity,
  ConnectionClosedError,
  type ConnectionOptions,
  EnclaveConnection,
  type Identity,
  parseIdentity,
  parseRelayAddresses,
  type RoomAddress,
  type WebSocketConstructor,
  type WelcomeMessage,
} from '@enclave/shared';
import { FileChainPins } from './chain-pins-file.js';
import { CliError, toCliError, usageError } from './cli-error.js';

export interface ClientSettings {
  readonly relayUrl: string;
  /** More addresses of the same relay service (`--relay a,b`), tried in turn when `relayUrl` fails. */
  readonly alternateUrls?: readonly string[];
  readonly identity: Identity;
  readonly timeoutMs: number;
  /** Sealed spaces' membership chains this identity verified (a file beside the identity file). */
  readonly chainPins?: ChainPins;
}

export function readIdentityFile(file: string): Identity {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read identity file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  try {
    return parseIdentity(text);
  } catch (error) {
    throw new CliError(`${file}: ${(error as Error).message}`);
  }
}

/** --relay/--identity, falling back to ENCLAVE_RELAY/ENCLAVE_IDENTITY. */
export async function clientSettings(values: {
  relay?: string;
  identity?: string;
  timeout?: string;
}): Promise<ClientSettings> {
  const relayText = values.relay ?? process.env['ENCLAVE_RELAY'];
  const identityFile = values.identity ?? process.env['ENCLAVE_IDENTITY'];
  if (!relayText) throw usageError('no relay: pass --relay URL or set ENCLAVE_RELAY');
  let relayUrl: string;
  let alternateUrls: string[];
  try {
    ({ url: relayUrl, alternates: alternateUrls } = parseRelayAddresses(relayText));
  } catch {
    throw usageError(`--relay must be ws:// or wss:// URLs (several separated by commas), not "${relayText}"`);
  }
  if (!identityFile) throw usageError('no identity: pass --identity FILE or set ENCLAVE_IDENTITY');
  const timeoutSeconds = values.timeout === undefined ? 120 : Number(values.timeout);
  if (!(timeoutSeconds > 0)) throw usageError('--timeout takes a number of seconds');
  const identity = readIdentityFile(identityFile);
  try {
    await checkIdentity(identity);
  } catch (error) {
    throw new CliError(`${identityFile}: ${(error as Error).message}`);
  }
  const chainPins = new FileChainPins(`${identityFile}.chains.json`);
  return { relayUrl, alternateUrls, identity, timeoutMs: timeoutSeconds * 1000, chainPins };
}

/** How this connection introduces itself beyond its key: an invite token or an access request. */
export type Introduction = Pick<ConnectionOptions, 'invite' | 'inviteSecret' | 'accessRequest'>;

export function openConnection(
  settings: ClientSettings,
  room: RoomAddress,
  introduction: Introduction = {},
): EnclaveConnection {
  return new EnclaveConnection({
    relayUrl: settings.relayUrl,
    alternateUrls: settings.alternateUrls ?? [],
    room,
    identity: settings.identity,
    WebSocket: WebSocket as unknown as WebSocketConstructor,
    reconnect: false,
    ...(settings.chainPins ? { chainPins: settings.chainPins } : {}),
    ...introduction,
  }).connect();
}

/** Runs `work` against a connection to `room`, closing it afterwards, within the deadline. */
export async function withConnection<T>(
  settings: ClientSettings,
  room: RoomAddress,
  work: (connection: EnclaveConnection, welcome: WelcomeMessage) => Promise<T>,
  introduction: Introduction = {},
): Promise<T> {
  const connection = openConnection(settings, room, introduction);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new CliError(`no answer from ${settings.relayUrl} within ${settings.timeoutMs / 1000} s`)),
      settings.timeoutMs,
    );
  });
  try {
    return await Promise.race([connection.whenWelcomed().then((welcome) => work(connection, welcome)), deadline]);
  } catch (error) {
    throw namingTheRelay(error, settings.relayUrl);
  } finally {
    clearTimeout(timer);
    connection.destroy();
  }
}

/**
 * An unreachable relay's error names the URL this command actually used (--relay, ENCLAVE_RELAY or an
 * invite link's); other errors pass unchanged for the command to interpret.
 */
export function namingTheRelay(error: unknown, relayUrl: string): unknown {
  return error instanceof ConnectionClosedError && error.code === 1006 ? toCliError(error, relayUrl) : error;
}
