/**
 * `enclave relay`: runs the relay in the foreground until SIGINT or SIGTERM, then shuts down gracefully
 * (connections closed with 1001, documents stored and compacted). The process exits within a bounded time
 * whatever happens: a second signal, or a shutdown past STOP_DEADLINE_MS, exits at once.
 */
import { readFileSync } from 'node:fs';
import { type Identity, parsePublicKey, parseRelayAddresses } from '@enclave/shared';
import type { RelayLimits } from '../../config.js';
import { createRelay } from '../../relay.js';
import { loadOrCreateIdentityFile } from '../../relay-identity.js';
import { jsonLogger, type LogLevel } from '../../observability/logger.js';
import { usageError } from '../cli-error.js';
import { redactPassword, storageChoice } from '../storage-choice.js';
import type { CommandArgs } from '../command.js';

const STOP_DEADLINE_MS = 10_000;
const SAME_SIGNAL_MS = 1_000;

export async function relayCommand({ values }: CommandArgs): Promise<void> {
  const dataDir = values['data'];
  if (typeof dataDir !== 'string') throw usageError('relay needs --data DIR');
  const host = (values['host'] as string | undefined) ?? '127.0.0.1';
  const port = Number(values['port'] ?? 8787);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw usageError('--port takes a number from 0 to 65535');
  const admins = (values['admin'] as string[] | undefined) ?? [];
  if (admins.length === 0) throw usageError('relay needs at least one --admin PUBKEY (who may create spaces)');
  for (const admin of admins) {
    try {
      parsePublicKey(admin);
    } catch (error) {
      throw usageError(`--admin ${admin}: ${(error as Error).message}`);
    }
  }
  const cert = values['tls-cert'];
  const key = values['tls-key'];
  if ((cert === undefined) !== (key === undefined)) throw usageError('--tls-cert and --tls-key go together');
  const level = ((values['log-level'] as string | undefined) ?? 'info') as LogLevel;
  if (!['debug', 'info', 'warn', 'error'].includes(level))
    throw usageError('--log-level is debug, info, warn or error');

  const storageUrl = storageChoice(values['storage'] as string | undefined);
  const commitWindowMs = Number(values['commit-window-ms'] ?? 0);
  if (!Number.isInteger(commitWindowMs) || commitWindowMs < 0 || commitWindowMs > 1000) {
    throw usageError('--commit-window-ms takes a number of milliseconds from 0 to 1000');
  }

  // Several relays on one storage, Redis between them (fanout/). Also from the environment, so that a
  // password in the URL need not be on the command line.
  const redis = (values['redis'] as string | undefined) ?? process.env['ENCLAVE_REDIS'];
  if (redis !== undefined && !/^rediss?:\/\//.test(redis))
    throw usageError('--redis takes a redis:// or rediss:// URL');
  const logger = jsonLogger(undefined, level);
  if (redis && storageUrl === undefined) {
    // SQLite is one process's database: relays in other processes cannot share it. Until a networked
    // storage is configured, --redis only links relays that share this process's storage.
    logger.log(
      'warn',
      'fan-out over Redis with SQLite storage: relays in other processes need the same networked storage',
      {
        dataDir,
      },
    );
  }

  const relayIdentity = await sharedRelayIdentity(values['relay-identity'] as string | undefined);
  const publicUrls = publicAddresses(values['public-url'] as string[] | undefined);

  const relay = createRelay({
    dataDir,
    ...(relayIdentity ? { relayIdentity } : {}),
    ...(storageUrl === undefined ? {} : { storageUrl }),
    ...(redis ? { redis } : {}),
    ...(publicUrls.length > 0 ? { publicUrls } : {}),
    commitWindowMs,
    limits: admissionLimitFlags(values),
    host,
    port,
    admins,
    directory: values['no-directory'] !== true,
    logger,
    ...(typeof cert === 'string' && typeof key === 'string'
      ? { tls: { cert: readFileSync(cert), key: readFileSync(key) } }
      : {}),
  });
  const { url, relayId } = await relay.listen();
  const where = storageUrl === undefined ? `data in ${dataDir}` : `data in PostgreSQL ${redactPassword(storageUrl)}`;
  process.stdout.write(`Enclave relay listening on ${url} (relay id ${relayId}, ${where})\n`);
  if (publicUrls.length > 0) process.stdout.write(`Invite links give the addresses ${publicUrls.join(', ')}\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      const now = (why: string) => (): void => {
        process.stderr.write(`enclave relay: ${why}; exiting now\n`);
        process.exit(1);
      };
      // One Ctrl+C under `npm start` arrives twice (from the terminal, and forwarded by npm): only a signal
      // sent a while after the first means "stop now".
      const firstAt = Date.now();
      const again = (): void => {
        if (Date.now() - firstAt > SAME_SIGNAL_MS) now('stopped again during shutdown')();
      };
      process.on('SIGINT', again);
      process.on('SIGTERM', again);
      setTimeout(now(`shutdown took longer than ${STOP_DEADLINE_MS / 1000} s`), STOP_DEADLINE_MS).unref();
      void relay.close().then(() => {
        // Stored and closed: nothing left to lose, so a stray handle must not keep the process alive.
        setTimeout(() => process.exit(process.exitCode ?? 0), 2_000).unref();
        resolve();
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/**
 * The addresses clients are given (invite links carry them all): `--public-url`, repeated or a comma list,
 * else ENCLAVE_PUBLIC_URL (a comma list); none by default.
 */
function publicAddresses(flags: string[] | undefined): string[] {
  const text = (flags ?? []).join(',') || (process.env['ENCLAVE_PUBLIC_URL'] ?? '');
  if (text.trim() === '') return [];
  try {
    const { url, alternates } = parseRelayAddresses(text);
    return [...new Set([url, ...alternates])];
  } catch (error) {
    throw usageError(`--public-url (or ENCLAVE_PUBLIC_URL): ${(error as Error).message}`);
  }
}

/**
 * The relay key shared by the relays of one service (`--relay-identity FILE`, else ENCLAVE_RELAY_IDENTITY):
 * clients pin a relay's id and sign it into every handshake, so relays a client may be sent to must have the
 * same one. Created (0600) if missing. Undefined: the key in the data folder, as for a relay alone.
 */
async function sharedRelayIdentity(flag: string | undefined): Promise<Identity | undefined> {
  const file = (flag ?? process.env['ENCLAVE_RELAY_IDENTITY'] ?? '').trim();
  if (file === '') return undefined;
  try {
    return await loadOrCreateIdentityFile(file);
  } catch (error) {
    throw usageError(`--relay-identity: ${(error as Error).message}`);
  }
}

/** `--FLAG N` (a whole number >= 1) for each admission limit given on the command line. */
const ADMISSION_FLAGS = {
  'handshakes-per-address': 'handshakeBurstPerAddress',
  'refusals-per-address': 'refusalBurstPerAddress',
  'unadmitted-per-address': 'unadmittedPerAddress',
  'unadmitted-total': 'unadmittedTotal',
} as const satisfies Record<string, keyof RelayLimits>;

export const ADMISSION_FLAG_NAMES = Object.keys(ADMISSION_FLAGS) as (keyof typeof ADMISSION_FLAGS)[];

function admissionLimitFlags(values: CommandArgs['values']): Partial<RelayLimits> {
  const limits: Partial<Record<keyof RelayLimits, number>> = {};
  for (const flag of ADMISSION_FLAG_NAMES) {
    const value = values[flag];
    if (value === undefined) continue;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw usageError(`--${flag} takes a whole number from 1`);
    limits[ADMISSION_FLAGS[flag]] = n;
  }
  return limits;
}
