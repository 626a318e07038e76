/**
 * Hostile handshakes: thousands of connections that must not get in, of many kinds, against a relay whose
 * document holds a secret text and whose member shows a secret presence. Each connection's frames are
 * recorded on the wire: the invariant is that a hostile one receives the challenge and nothing else, and is
 * closed by the relay. Close codes are counted per kind.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as encoding from 'lib0/encoding';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import {
  answerChallenge,
  type AuthenticateMessage,
  encodeClientMessage,
  generateIdentity,
  type Identity,
  MessageTag,
  PROTOCOL_VERSION,
} from '@enclave/shared';
import { openDocument } from '../../support/relay-fixture.js';
import { randomInt, seededRandom } from '../../support/seeded-random.js';
import { WireRecorder } from '../../support/wire-recorder.js';
import { Lead } from '../lead.js';
import { signingKeyOf } from '../raw-member.js';
import { oversizedFrameHeader, rawWebSocket } from '../raw-upgrade.js';
import { RelayChild } from '../relay-child.js';
import { bump, type Report } from '../report.js';

export interface HostileOptions {
  /** Connections in all, spread evenly over the kinds. */
  readonly total: number;
  readonly concurrency: number;
  /** The relay's handshake timeout (what a silent socket waits for). */
  readonly handshakeTimeoutMs: number;
  readonly seed: number;
}

const SPACE = 'stress';
const DOCUMENT = 'secret.md';
const ROOM = `${SPACE}/${DOCUMENT}`;
const SECRET_TEXT = 'SECRET-TEXT-7f3a9c';
const SECRET_PRESENCE = 'SECRET-PRESENCE-51d2e8';
const MAX_FRAME_BYTES = 32 * 1024 * 1024;

/** What a hostile connection ended with. */
interface Outcome {
  readonly frames: Uint8Array[];
  readonly closeCode: number | 'not closed';
  /** Set by the revoke race: the connection was admitted before the revocation took effect. */
  readonly admittedBeforeRevoke?: boolean;
}

interface Setup {
  readonly url: string;
  readonly member: Identity;
  readonly stranger: Identity;
  readonly revoked: readonly Identity[];
  readonly lead: Lead;
  readonly captured: Uint8Array;
  readonly random: () => number;
  readonly closeWaitMs: number;
}

type Act = (recorder: WireRecorder, setup: Setup) => Promise<void>;

async function signed(
  _setup: Setup,
  recorder: WireRecorder,
  identity: Identity,
  override: Partial<Sign> = {},
): Promise<AuthenticateMessage> {
  const challenge = { ...recorder.challenge, ...(override.nonce ? { nonce: override.nonce } : {}) };
  if (override.relayId) Object.assign(challenge, { relayId: override.relayId });
  return answerChallenge(
    challenge,
    identity,
    await signingKeyOf(override.signer ?? identity),
    override.room ?? ROOM,
    override.protocol ?? PROTOCOL_VERSION,
  );
}

interface Sign {
  readonly nonce: string;
  readonly relayId: string;
  readonly room: string;
  readonly protocol: number;
  /** Whose key signs (the answer still claims `identity`'s public key). */
  readonly signer: Identity;
}

const send = (recorder: WireRecorder, message: AuthenticateMessage): void =>
  recorder.send(encodeClientMessage(message));

/** The kinds that go through a `ws` client; `oversized` and `revoke-race` are driven below. */
const KINDS: Record<string, Act> = {
  /** What y-websocket's WebsocketProvider sends on open: sync step 1 and its awareness, no handshake. */
  'y-websocket (no handshake)': async (recorder) => {
    const doc = new Y.Doc();
    const awareness = new awarenessProtocol.Awareness(doc);
    awareness.setLocalState({ user: { name: 'stock' } });
    const step1 = encoding.createEncoder();
    encoding.writeVarUint(step1, MessageTag.Sync);
    syncProtocol.writeSyncStep1(step1, doc);
    recorder.send(encoding.toUint8Array(step1));
    const presence = encoding.createEncoder();
    encoding.writeVarUint(presence, MessageTag.Awareness);
    encoding.writeVarUint8Array(presence, awarenessProtocol.encodeAwarenessUpdate(awareness, [doc.clientID]));
    recorder.send(encoding.toUint8Array(presence));
    awareness.destroy();
    doc.destroy();
  },
  'garbage binary': async (recorder, setup) => {
    recorder.send(Uint8Array.from({ length: 1 + randomInt(setup.random, 200) }, () => randomInt(setup.random, 256)));
  },
  'text frame': async (recorder, setup) => {
    recorder.socket.send(JSON.stringify(await signed(setup, recorder, setup.member)));
  },
  'silent socket': async () => undefined,
  'stranger (valid signature)': async (recorder, setup) =>
    send(recorder, await signed(setup, recorder, setup.stranger)),
  "wrong key (member's key, stranger's signature)": async (recorder, setup) =>
    send(recorder, await signed(setup, recorder, setup.member, { signer: setup.stranger })),
  'signature for another room': async (recorder, setup) =>
    send(recorder, await signed(setup, recorder, setup.member, { room: `${SPACE}/other.md` })),
  'signature for another nonce': async (recorder, setup) =>
    send(recorder, await signed(setup, recorder, setup.member, { nonce: 'A'.repeat(43) })),
  'signature for another relay': async (recorder, setup) =>
    send(recorder, await signed(setup, recorder, setup.member, { relayId: setup.stranger.publicKey })),
  'replayed real handshake': async (recorder, setup) => recorder.send(setup.captured),
  'unsupported protocol version': async (recorder, setup) =>
    send(recorder, await signed(setup, recorder, setup.member, { protocol: 99 })),
  'revoked member': async (recorder, setup) =>
    send(recorder, await signed(setup, recorder, setup.revoked[randomInt(setup.random, setup.revoked.length)]!)),
  'malformed authenticate': async (recorder) => {
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, MessageTag.Enclave);
    encoding.writeVarString(encoder, '{"type":"authenticate","protocol":1,"publicKey":');
    recorder.send(encoding.toUint8Array(encoder));
  },
  'member handshake + sync before welcome, signed by stranger': async (recorder, setup) => {
    send(recorder, await signed(setup, recorder, setup.member, { signer: setup.stranger }));
    recorder.send(Uint8Array.of(MessageTag.Sync, 0, 0)); // sync step 1, empty state vector
  },
};
const OVERSIZED = 'oversized frame (header only)';
const REVOKE_RACE = 'revoke while connecting';
const KIND_NAMES = [...Object.keys(KINDS), OVERSIZED, REVOKE_RACE];

async function viaRecorder(act: Act, setup: Setup): Promise<Outcome> {
  const recorder = await WireRecorder.open(`${setup.url}/${ROOM}`);
  try {
    if (recorder.frames.length > 0) await act(recorder, setup);
    const closed = await recorder.closed(setup.closeWaitMs).catch(() => undefined);
    return { frames: recorder.frames, closeCode: closed?.code ?? 'not closed' };
  } finally {
    recorder.close();
  }
}

async function oversized(setup: Setup): Promise<Outcome> {
  const outcome = await rawWebSocket(
    `${setup.url}/${ROOM}`,
    (socket) => socket.write(oversizedFrameHeader(MAX_FRAME_BYTES * 4)),
    setup.closeWaitMs,
  );
  return outcome;
}

/** A member is granted, starts its handshake, and is revoked at a random moment during it. */
async function revokeRace(setup: Setup): Promise<Outcome> {
  const identity = await generateIdentity('racer');
  await setup.lead.grant(identity, 'editor');
  const recorder = await WireRecorder.open(`${setup.url}/${ROOM}`);
  try {
    const answer = signed(setup, recorder, identity);
    const delayMs = randomInt(setup.random, 4);
    await Promise.all([
      answer.then((message) => send(recorder, message)),
      new Promise((resolve) => setTimeout(resolve, delayMs)).then(() => setup.lead.revoke(identity)),
    ]);
    // From the revocation on, the connection must go, whether or not it was admitted just before.
    const closed = await recorder.closed(setup.closeWaitMs).catch(() => undefined);
    const admittedBeforeRevoke = recorder.messages().some((m) => m.type === 'welcome');
    return { frames: recorder.frames, closeCode: closed?.code ?? 'not closed', admittedBeforeRevoke };
  } finally {
    recorder.close();
  }
}

/** Frames a hostile connection may receive: the challenge alone (the revoke race: also what a member got). */
function leaked(outcome: Outcome): string | undefined {
  const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('latin1');
  if (outcome.frames.some((f) => text(f).includes(SECRET_TEXT) || text(f).includes(SECRET_PRESENCE))) {
    if (!outcome.admittedBeforeRevoke) return 'secret bytes reached an unadmitted connection';
  }
  if (outcome.admittedBeforeRevoke) {
    return outcome.closeCode === 'not closed' ? 'a revoked member stayed connected' : undefined;
  }
  if (outcome.frames.length > 1) return `${outcome.frames.length} frames (only the challenge is allowed)`;
  const first = outcome.frames[0];
  if (first && (first[0] !== MessageTag.Enclave || !text(first).includes('"challenge"'))) {
    return 'the one frame was not a challenge';
  }
  return undefined;
}

export async function hostileHandshakes(report: Report, options: HostileOptions): Promise<void> {
  const section = 'hostile handshakes';
  const dataDir = mkdtempSync(join(tmpdir(), 'enclave-stress-hostile-'));
  const admin = await generateIdentity('Lead');
  const relay = await RelayChild.start({
    dataDir,
    admins: [admin.publicKey],
    limits: { handshakeTimeoutMs: options.handshakeTimeoutMs },
  });
  const member = await generateIdentity('Member');
  const stranger = await generateIdentity('Stranger');
  const revoked = await Promise.all(Array.from({ length: 8 }, (_, i) => generateIdentity(`Revoked ${i}`)));
  const lead = await Lead.open(relay.url, admin, SPACE, true);
  await lead.grant(member, 'editor');
  const holder = await openDocument(relay.url, member, { space: SPACE, document: DOCUMENT }, { create: 'draft' });
  try {
    for (const identity of revoked) await lead.grant(identity, 'editor');
    for (const identity of revoked) await lead.revoke(identity);
    holder.doc.getText('source').insert(0, `${SECRET_TEXT}\n`);
    holder.session.awareness.setLocalState({ note: SECRET_PRESENCE });
    await holder.session.flush();

    // A real handshake, captured on the wire, to replay on other connections.
    const capture = await WireRecorder.open(`${relay.url}/${ROOM}`);
    const captured = encodeClientMessage(
      await answerChallenge(capture.challenge, member, await signingKeyOf(member), ROOM, PROTOCOL_VERSION),
    );
    capture.send(captured);
    await capture.closed(500).catch(() => undefined); // admitted: stays open
    capture.close();

    const setup: Setup = {
      url: relay.url,
      member,
      stranger,
      revoked,
      lead,
      captured,
      random: seededRandom(options.seed),
      closeWaitMs: options.handshakeTimeoutMs + 10_000,
    };
    const codes = new Map<string, Map<string, number>>(KIND_NAMES.map((k) => [k, new Map()]));
    const leaks: string[] = [];
    let notClosed = 0;
    let admittedBeforeRevoke = 0;
    let next = 0;
    const started = performance.now();
    const worker = async (): Promise<void> => {
      for (let i = next++; i < options.total; i = next++) {
        const kind = KIND_NAMES[i % KIND_NAMES.length]!;
        let outcome: Outcome;
        try {
          outcome =
            kind === OVERSIZED
              ? await oversized(setup)
              : kind === REVOKE_RACE
                ? await revokeRace(setup)
                : await viaRecorder(KINDS[kind]!, setup);
        } catch (error) {
          bump(codes.get(kind)!, `error: ${(error as Error).message.slice(0, 60)}`);
          continue;
        }
        bump(codes.get(kind)!, String(outcome.closeCode));
        if (outcome.closeCode === 'not closed') notClosed++;
        if (outcome.admittedBeforeRevoke) admittedBeforeRevoke++;
        const leak = leaked(outcome);
        if (leak) leaks.push(`${kind}: ${leak}`);
      }
    };
    await Promise.all(Array.from({ length: options.concurrency }, worker));
    const seconds = (performance.now() - started) / 1000;

    report.figure(section, 'connections', options.total);
    report.figure(section, 'kinds', KIND_NAMES.length);
    report.figure(section, 'handshakes per second', options.total / seconds);
    report.figure(section, 'revoke races admitted, then closed', admittedBeforeRevoke);
    for (const kind of KIND_NAMES) report.counts(section, kind, codes.get(kind)!);
    report.invariant(
      'hostile handshakes receive nothing but the challenge',
      leaks.length === 0,
      leaks.length === 0 ? `${options.total} connections checked on the wire` : `${leaks.length}: ${leaks[0]}`,
    );
    report.invariant(
      'every hostile connection is closed by the relay',
      notClosed === 0,
      `${notClosed} still open ${setup.closeWaitMs} ms after their last frame`,
    );
  } finally {
    holder.close();
    lead.close();
    report.invariant('relay never dies (hostile phase)', relay.alive, relay.diedOnItsOwn ?? '');
    await relay.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
