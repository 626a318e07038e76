/**
 * Fuzzed frames from admitted members (an editor and a viewer, each on several connections) while a
 * legitimate editor types and a watcher stays connected. A connection the relay closes is reopened (and
 * counted). Afterwards: the watcher must never have been disconnected and must hold exactly the typed text,
 * and so must a fresh client after the relay restarted.
 *
 * The relay runs here with its per-connection rate limit raised (messagesPerSecond and messageBurst 10^9):
 * the fuzz measures what frames do, not how fast the limiter closes a flood.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateIdentity, type Identity } from '@enclave/shared';
import { type OpenDocument, openDocument } from '../../support/relay-fixture.js';
import { seededRandom } from '../../support/seeded-random.js';
import { waitFor } from '../../support/wait.js';
import { FuzzFrames } from '../fuzz-frames.js';
import { Lead } from '../lead.js';
import { RawMember } from '../raw-member.js';
import { RelayChild } from '../relay-child.js';
import { bump, type Report } from '../report.js';

export interface FuzzOptions {
  readonly frames: number;
  /** Fuzzing connections per role (editor, viewer). */
  readonly connectionsPerRole: number;
  /** Legitimate edits per second. */
  readonly typingRate: number;
  /** Longest time for sending the frames (a relay too slow to take them fails the budget invariant). */
  readonly sendMs: number;
  /** How long the watcher may take to catch up once typing stopped. */
  readonly settleMs: number;
  readonly seed: number;
}

const SPACE = 'fuzz';
const DOCUMENT = 'draft.md';
const ROOM = `${SPACE}/${DOCUMENT}`;
/** After this many frames without a suspect one, a probe checks the relay kept up (and paces the sender). */
const PROBE_EVERY = 500;
const PROBE_TIMEOUT_MS = 10_000;
const MAX_BUFFERED_BYTES = 1 << 20;

interface Tally {
  sent: number;
  reconnects: number;
  failedConnects: number;
  readonly byKind: Map<string, number>;
  /** Close codes by the kind of frame that preceded the close. */
  readonly closes: Map<string, number>;
}

/** One fuzzing connection's life: connect, send until closed or done, reconnect. */
async function fuzzer(
  url: string,
  identity: Identity,
  role: string,
  budget: () => boolean,
  frames: FuzzFrames,
  tally: Tally,
  deadline: number,
): Promise<void> {
  while (budget() && performance.now() < deadline) {
    let member: RawMember;
    try {
      member = await RawMember.admitted(url, identity, ROOM);
    } catch {
      tally.failedConnects++;
      await new Promise((resolve) => setTimeout(resolve, 50));
      continue;
    }
    let last = 'none';
    let sinceProbe = 0;
    while (budget() && member.open && performance.now() < deadline) {
      const next = frames.next();
      member.socket.send(next.bytes);
      tally.sent++;
      bump(tally.byKind, `${role}: ${next.kind}`);
      last = next.kind;
      if (next.suspect || ++sinceProbe >= PROBE_EVERY) {
        sinceProbe = 0;
        await member.flush(PROBE_TIMEOUT_MS);
      } else if (member.socket.bufferedAmount > MAX_BUFFERED_BYTES) {
        await member.flush(PROBE_TIMEOUT_MS);
      }
    }
    if (!member.open) {
      await member.whenClosed(1_000);
      bump(tally.closes, `${role} ${member.closeCode ?? '?'} after ${last}`);
      tally.reconnects++;
    }
    member.terminate();
  }
}

/** A member who types `<n>;` at a steady rate into the draft's text. */
class Typist {
  typed = '';
  private timer: ReturnType<typeof setInterval> | undefined;
  private count = 0;

  constructor(private readonly session: OpenDocument) {}

  start(rate: number): void {
    this.timer = setInterval(() => {
      const token = `${this.count++};`;
      const text = this.session.doc.getText('source');
      text.insert(text.length, token);
      this.typed += token;
    }, 1000 / rate);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  get edits(): number {
    return this.count;
  }
}

export async function fuzzFrames(report: Report, options: FuzzOptions): Promise<void> {
  const section = 'fuzzed frames';
  const dataDir = mkdtempSync(join(tmpdir(), 'enclave-stress-fuzz-'));
  const admin = await generateIdentity('Lead');
  const config = {
    dataDir,
    admins: [admin.publicKey],
    limits: { messagesPerSecond: 1e9, messageBurst: 1e9 },
  };
  let relay = await RelayChild.start(config);
  const [typistId, watcherId, editorId, viewerId] = await Promise.all(
    ['Typist', 'Watcher', 'Fuzz editor', 'Fuzz viewer'].map((name) => generateIdentity(name)),
  );
  const lead = await Lead.open(relay.url, admin, SPACE, true);
  await lead.grant(typistId!, 'editor');
  await lead.grant(editorId!, 'editor');
  await lead.grant(watcherId!, 'viewer');
  await lead.grant(viewerId!, 'viewer');
  lead.close();
  const room = { space: SPACE, document: DOCUMENT };
  const typing = await openDocument(relay.url, typistId!, room, { create: 'draft', reconnect: true });
  const watching = await openDocument(relay.url, watcherId!, room, { reconnect: true });
  let typistCloses = 0;
  let watcherCloses = 0;
  const watcherCodes = new Map<string, number>();
  typing.connection.on('closed', () => typistCloses++);
  watching.connection.on('closed', (info) => {
    watcherCloses++;
    bump(watcherCodes, String(info.code));
  });
  const typist = new Typist(typing);
  let fresh: OpenDocument | undefined;
  try {
    typist.start(options.typingRate);
    const tally: Tally = { sent: 0, reconnects: 0, failedConnects: 0, byKind: new Map(), closes: new Map() };
    const budget = (): boolean => tally.sent < options.frames && relay.alive;
    // A hung or storming relay ends the sending, not the run.
    const deadline = performance.now() + options.sendMs;
    const started = performance.now();
    const random = seededRandom(options.seed);
    const frames = new FuzzFrames(random);
    await Promise.all(
      Array.from({ length: options.connectionsPerRole }, () => [
        fuzzer(relay.url, editorId!, 'editor', budget, frames, tally, deadline),
        fuzzer(relay.url, viewerId!, 'viewer', budget, frames, tally, deadline),
      ]).flat(),
    );
    const seconds = (performance.now() - started) / 1000;
    typist.stop();
    report.figure(section, 'frames sent', tally.sent);
    report.figure(section, 'frames per second', tally.sent / seconds);
    report.figure(section, 'fuzzing connections', options.connectionsPerRole * 2);
    report.figure(section, 'reconnects (closed by the relay)', tally.reconnects);
    report.figure(section, 'failed reconnects', tally.failedConnects);
    report.figure(section, 'legitimate edits typed', typist.edits);
    report.figure(section, 'typist disconnects', typistCloses);
    report.figure(section, 'watcher disconnects', watcherCloses);
    report.counts(section, 'watcher close codes', watcherCodes);
    for (const [kind, n] of [...tally.byKind].sort()) report.figure(section, `sent: ${kind}`, n);
    for (const [what, n] of [...tally.closes].sort()) report.figure(section, `close ${what}`, n);
    report.invariant(
      'fuzz: the frame budget was sent',
      tally.sent >= options.frames,
      `${tally.sent} of ${options.frames}`,
    );

    const watched = (): string => watching.doc.getText('source').toString();
    await waitFor(() => watched() === typist.typed, 'the watcher has every edit', options.settleMs).catch(
      () => undefined,
    );
    report.invariant('fuzz: the watcher never disconnected', watcherCloses === 0, `${watcherCloses} disconnects`);
    report.invariant(
      'fuzz: the watcher received every legitimate edit',
      watched() === typist.typed,
      describeDifference(watched(), typist.typed),
    );
    report.invariant('relay never dies (fuzz phase)', relay.alive, relay.diedOnItsOwn ?? '');

    // After a restart, a fresh client must get exactly what was typed.
    await relay.stop();
    relay = await RelayChild.start(config);
    let restored: string;
    try {
      fresh = await openDocument(relay.url, watcherId!, room);
      restored = fresh.doc.getText('source').toString();
    } catch (error) {
      restored = `(a fresh client could not sync: ${(error as Error).message})`;
    }
    report.invariant(
      'fuzz: no document corrupted (after a restart, sync equals the typed text)',
      restored === typist.typed,
      restored.startsWith('(') ? restored : describeDifference(restored, typist.typed),
    );
  } finally {
    typist.stop();
    fresh?.close();
    typing.close();
    watching.close();
    await relay.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function describeDifference(actual: string, expected: string): string {
  if (actual === expected) return `${expected.length} characters, identical`;
  let at = 0;
  while (at < actual.length && actual[at] === expected[at]) at++;
  return `${actual.length} characters, expected ${expected.length}; first difference at ${at}: got "${actual.slice(at, at + 24)}", expected "${expected.slice(at, at + 24)}"`;
}
