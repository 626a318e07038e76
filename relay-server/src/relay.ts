/**
 * createRelay(options) -> a relay that can listen() and close(). No module-level state: tests run many
 * relays on port 0 in one process.
 *
 * Alone on its storage a relay uses the LocalFanOut; with `redis` it joins the other relays on the same
 * storage through Redis (fanout/): documents exchange what they stored, and governance (revocations, role
 * changes, agreements, request decisions, epoch rotations) acts on connections on every relay.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import {
  CloseCode,
  generateIdentity,
  type Identity,
  checkRelayUrl,
  parsePublicKey,
  type PublicKeyText,
  parseRoomPath,
} from '@enclave/shared';
import { AccessService } from './access/access-service.js';
import { DirectoryService } from './directory/directory-service.js';
import { DirectoryReadLimits } from './directory/read-limits.js';
import { DEFAULT_GOVERNANCE_LIMITS, GovernanceService } from './access/governance-service.js';
import {
  DEFAULT_COMPACT_AFTER_MS,
  DEFAULT_COMPACT_PAUSE_MS,
  DEFAULT_COMPACT_AFTER_UPDATES,
  DEFAULT_IDLE_UNLOAD_MS,
  DEFAULT_KEEP_ALIVE,
  DEFAULT_LIMITS,
  type RelayOptions,
} from './config.js';
import { AdmissionLimits } from './connection/admission-limits.js';
import { ClientConnection, type ConnectionContext } from './connection/client-connection.js';
import { HandshakeRefusals } from './connection/handshake-refusals.js';
import { KeepAlive } from './connection/keep-alive.js';
import { DocumentRegistry } from './documents/document-registry.js';
import { DEFAULT_HELD_LIMITS } from './documents/held-updates.js';
import { SealedLog } from './documents/sealed-log.js';
import { YjsDocument, type YjsDocumentContext } from './documents/yjs-document.js';
import type { FanOut, GovernanceSignal } from './fanout/fan-out.js';
import { LocalFanOut } from './fanout/local-fan-out.js';
import { fanOutKey } from './fanout/fan-out-message.js';
import { RedisFanOut } from './fanout/redis-fan-out.js';
import { KeyService } from './sealed/key-service.js';
import { MembershipChainService } from './sealed/membership-chain-service.js';
import { SpaceEpochs } from './sealed/space-epochs.js';
import { handleHttp } from './http/http-routes.js';
import { jsonLogger } from './observability/logger.js';
import { RelayMetrics } from './observability/metrics.js';
import { SampledLog } from './observability/sampled-log.js';
import { loadOrCreateRelayIdentity } from './relay-identity.js';
import { meterStorage } from './observability/metered-storage.js';
import { MemoryStorage } from './storage/memory-storage.js';
import { PostgresStorage } from './storage/postgres-storage.js';
import { SqliteStorage } from './storage/sqlite-storage.js';
import type { Storage } from './storage/storage.js';

export const DATABASE_FILE = 'enclave.sqlite';

export interface Relay {
  /** Starts listening; resolves with the ws:// (or wss://) URL clients use. */
  listen(): Promise<{ url: string; relayId: PublicKeyText }>;
  /**
   * Stops accepting, closes connections (1001), stores and compacts every open document, leaves the other
   * relays and closes the storage it opened (one passed in options stays open: other relays may share it).
   */
  close(): Promise<void>;
  readonly url: string;
  readonly metrics: RelayMetrics;
}

export function createRelay(options: RelayOptions): Relay {
  for (const admin of options.admins) parsePublicKey(admin); // fail fast on a mistyped --admin
  const logger = options.logger ?? jsonLogger();
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const metrics = new RelayMetrics();
  const admission = new AdmissionLimits(limits, metrics);
  // Strangers choose how often they are refused: these lines are sampled, with a summary a minute.
  const refusalLog = new SampledLog(logger, 'connections refused', limits.refusalLogLinesPerMinute);
  let server: Server | undefined;
  let wss: WebSocketServer | undefined;
  let storage: Storage | undefined;
  let documents: DocumentRegistry | undefined;
  let context: ConnectionContext | undefined;
  let keepAlive: KeepAlive | undefined;
  let fanOut: FanOut | undefined;
  /** Whose audit writes a stopping relay waits for. */
  let audits: AccessService | undefined;
  let url = '';
  let shuttingDown = false;
  let closing: Promise<void> | undefined;

  async function open(): Promise<{ storage: Storage; identity: Identity }> {
    if (options.dataDir) mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
    const store =
      options.storage ??
      (options.storageUrl !== undefined
        ? await PostgresStorage.open(options.storageUrl)
        : options.dataDir
          ? new SqliteStorage(join(options.dataDir, DATABASE_FILE), { commitWindowMs: options.commitWindowMs ?? 0 })
          : new MemoryStorage());
    const identity =
      options.relayIdentity ??
      (options.dataDir ? await loadOrCreateRelayIdentity(options.dataDir) : await generateIdentity('relay'));
    return { storage: store, identity };
  }

  function onUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const room = parseRoomPath(request.url ?? '/');
    if (!room || !wss || !context || shuttingDown) {
      socket.end(
        `HTTP/1.1 ${shuttingDown ? '503 Service Unavailable' : '400 Bad Request'}\r\nconnection: close\r\n\r\n`,
      );
      return;
    }
    const decision = admission.open(request.socket.remoteAddress);
    if (!decision.ok) {
      refusalLog.log(`limit-${decision.limit}`, 'connection refused by an admission limit', {
        limit: decision.limit,
        address: decision.address,
      });
      const status = decision.status === 503 ? '503 Service Unavailable' : '429 Too Many Requests';
      socket.end(
        `HTTP/1.1 ${status}\r\nretry-after: ${decision.retryAfterSeconds}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`,
      );
      return;
    }
    const { lease } = decision;
    // The socket's close, not the WebSocket's: ws drops a bad upgrade without calling back.
    socket.once('close', () => lease.closed());
    const ctx = context;
    const watcher = keepAlive;
    wss.handleUpgrade(request, socket, head, (ws) => {
      const connection = new ClientConnection(ws, socket, room, ctx, lease);
      const seconds = Math.round(ctx.heartbeatMs / 100) / 10;
      watcher?.watch(ws, () => connection.close(CloseCode.Silent, `no answer to pings (every ${seconds} s)`));
    });
  }

  return {
    metrics,
    get url() {
      return url;
    },

    async listen() {
      if (server) throw new Error('the relay is already listening');
      const opened = await open();
      const metered = meterStorage(opened.storage, metrics);
      storage = metered.storage;
      try {
        fanOut = options.redis
          ? await RedisFanOut.connect({
              url: options.redis,
              prefix: options.redisPrefix,
              // Relays of one service share the relay key: only they can speak on the fan-out.
              key: fanOutKey(opened.identity.secretKey),
              metrics,
              logger,
            })
          : new LocalFanOut();
      } catch (error) {
        if (!options.storage) await storage.close();
        throw error;
      }
      const cluster = fanOut;
      const access = new AccessService(storage, new Set(options.admins), logger);
      audits = access;
      const yjsContext: YjsDocumentContext = {
        storage,
        metrics,
        logger,
        compactAfterUpdates: options.compactAfterUpdates ?? DEFAULT_COMPACT_AFTER_UPDATES,
        compactAfterMs: options.compactAfterMs ?? DEFAULT_COMPACT_AFTER_MS,
        compactPauseMs:
          options.compactPauseMs ?? Math.min(DEFAULT_COMPACT_PAUSE_MS, options.compactAfterMs ?? Infinity),
        heldLimits: { ...DEFAULT_HELD_LIMITS, ...options.heldLimits },
        fanOut: cluster,
      };
      const epochs = new SpaceEpochs(storage);
      const sealedContext = { storage, metrics, logger, epochs, fanOut: cluster };
      const store = storage;
      documents = new DocumentRegistry(
        async (space, record) =>
          (await store.getSpace(space))?.sealed
            ? SealedLog.load(space, record, sealedContext)
            : YjsDocument.load(space, record, yjsContext),
        { metrics, logger },
        options.idleUnloadMs ?? DEFAULT_IDLE_UNLOAD_MS,
      );
      const governance = new GovernanceService(storage, access, DEFAULT_GOVERNANCE_LIMITS, (key, windowMs) =>
        cluster.count(key, windowMs),
      );
      const directory = new DirectoryService({
        storage,
        access,
        relayId: opened.identity.publicKey,
        enabled: options.directory ?? true,
        readLimits: new DirectoryReadLimits({
          burst: limits.directoryReadBurst,
          perMinute: limits.directoryReadsPerMinute,
        }),
      });
      const keys = new KeyService(storage, access, epochs);
      keepAlive = new KeepAlive({ ...DEFAULT_KEEP_ALIVE, ...options.keepAlive });
      const admitted = new Set<ClientConnection>();
      const waiting = new Set<ClientConnection>();
      context = {
        relayId: opened.identity.publicKey,
        access,
        governance,
        directory,
        storage,
        publicUrls: (options.publicUrls ?? []).map(checkRelayUrl),
        documents,
        metrics,
        logger,
        limits,
        admitted,
        waiting,
        refusals: new HandshakeRefusals(storage, metrics, refusalLog, {
          windowMs: limits.refusalAuditWindowMs,
          entriesPerWindow: limits.refusalAuditEntriesPerWindow,
        }),
        heartbeatMs: keepAlive.options.intervalMs,
        keys,
        chain: new MembershipChainService(storage, access, keys, opened.identity.publicKey),
      };
      // Governance acts on this relay's connections, and is announced to the other relays, which act on theirs.
      const act = (signal: GovernanceSignal): void => {
        if (signal.kind === 'membership') {
          for (const connection of [...admitted]) {
            if (connection.room.space !== signal.space || connection.publicKey !== signal.publicKey) continue;
            if (signal.member) connection.changeRole(signal.member.role);
            else connection.close(CloseCode.AccessRevoked, 'your access to this space was revoked');
          }
          return;
        }
        if (signal.kind === 'epoch') {
          for (const connection of admitted) {
            if (connection.room.space === signal.space) connection.epochChanged(signal.epoch);
          }
          return;
        }
        const { space, event } = signal;
        if (event.kind === 'agreement-changed') {
          // Content stops until each member signs the new text: document channels reconnect and meet it.
          for (const connection of [...admitted]) {
            if (connection.room.space === space && connection.isDocumentChannel) {
              connection.close(CloseCode.AgreementChanged, "the space's agreement changed: read and sign it");
            }
          }
          return;
        }
        for (const connection of admitted) {
          if (connection.room.space === space && !connection.isDocumentChannel && connection.role === 'lead') {
            connection.notify(event);
          }
        }
        if (event.kind === 'access-request-resolved') {
          for (const connection of [...waiting]) {
            if (connection.room.space === space && connection.pendingRequest === event.request.id) {
              void connection.resolveRequest(event.request.id, event.request.status === 'approved');
            }
          }
        }
      };
      const actAndAnnounce = (signal: GovernanceSignal): void => {
        act(signal);
        cluster.announce(signal);
      };
      let epochFromElsewhere = false;
      epochs.onRotated((space, epoch) => {
        if (epochFromElsewhere) act({ kind: 'epoch', space, epoch });
        else actAndAnnounce({ kind: 'epoch', space, epoch });
      });
      governance.onEvent((space, event) => actAndAnnounce({ kind: 'space-event', space, event }));
      access.onMembershipChange((space, publicKey, member) =>
        actAndAnnounce({ kind: 'membership', space, publicKey, member: member ?? null }),
      );
      // What a signal from elsewhere grants is taken from storage, not from the signal: only relays write
      // storage, while whoever reaches Redis could publish (SECURITY.md). A signal only says where to look.
      cluster.onSignal((signal) => {
        if (signal.kind === 'membership') return recheck(signal.space, signal.publicKey);
        if (signal.kind === 'space-event') return act(signal);
        void store.currentEpoch(signal.space).then(
          (epoch) => {
            epochFromElsewhere = true;
            try {
              epochs.rotated(signal.space, epoch); // acts through onRotated when it is news here
            } finally {
              epochFromElsewhere = false;
            }
          },
          () => undefined,
        );
      });
      /** Brings connections of `space` (of one key, or all) in line with the access list in storage. */
      const recheck = (space: string, only?: PublicKeyText): void => {
        for (const connection of [...admitted]) {
          const publicKey = connection.publicKey;
          if (!publicKey || connection.room.space !== space || (only && publicKey !== only)) continue;
          void (async () => {
            const { space: record, member } = await access.lookup(space, publicKey);
            if (!record) return;
            if (!member) return connection.close(CloseCode.AccessRevoked, 'your access to this space was revoked');
            if (member.role !== connection.role) connection.changeRole(member.role);
            if (!only && connection.isDocumentChannel && (await governance.pendingAgreement(space, publicKey))) {
              connection.close(CloseCode.AgreementChanged, "the space's agreement changed: read and sign it");
            }
          })().catch(() => undefined);
        }
      };
      // Signals may have been lost (Redis link lost): storage says who may still be connected, as what, and
      // whether an agreement they have not signed came meanwhile.
      cluster.onResync(() => {
        for (const space of new Set([...admitted].map((connection) => connection.room.space))) recheck(space);
      });
      // No compression: ws then writes each frame at once, so frames framed by the relay itself
      // (transport/websocket-frame.ts) may be written to the socket beside ws's in call order.
      wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxFrameBytes, perMessageDeflate: false });
      const registry = documents;
      const handler = (req: IncomingMessage, res: ServerResponse): void =>
        handleHttp(req, res, metrics, async () => ({
          relayId: opened.identity.publicKey,
          connections: wss?.clients.size ?? 0,
          loadedDocuments: registry.loadedCount,
          shuttingDown,
          storage: { engine: opened.storage.engine, state: await metered.check() },
          fanOut: cluster.health(),
        }));
      server = options.tls
        ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, handler)
        : createHttpServer(handler);
      server.on('upgrade', onUpgrade);
      const listening = server;
      await new Promise<void>((resolve, reject) => {
        listening.once('error', reject);
        listening.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
          listening.off('error', reject);
          resolve();
        });
      });
      const address = listening.address() as AddressInfo;
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      url = `${options.tls ? 'wss' : 'ws'}://${host}:${address.port}`;
      logger.log('info', 'relay listening', {
        url,
        relayId: opened.identity.publicKey,
        dataDir: options.dataDir ?? null,
        storage: opened.storage.engine,
      });
      return { url, relayId: opened.identity.publicKey };
    },

    close() {
      closing ??= (async () => {
        shuttingDown = true;
        keepAlive?.stop();
        const stopped = server ? new Promise<void>((resolve) => server!.close(() => resolve())) : Promise.resolve();
        for (const client of wss?.clients ?? []) client.close(CloseCode.GoingAway, 'relay shutting down');
        await documents?.closeAll();
        await new Promise((resolve) => setTimeout(resolve, 50)); // let close frames go out
        for (const client of wss?.clients ?? []) client.terminate();
        wss?.close();
        await stopped;
        // The connections just closed write their audit entries: let them reach storage before it closes.
        await audits?.auditsWritten();
        await fanOut?.close();
        if (!options.storage) await storage?.close(); // a storage passed in is its owner's to close
        refusalLog.close();
        logger.log('info', 'relay stopped', { url });
      })();
      return closing;
    },
  };
}
