/**
 * SIGKILL at random moments while two members make flushed edits. An edit is "flushed" once the relay
 * answered the member's flush request (what `enclave push` waits for: every earlier update durably stored).
 * After each restart, fresh clients (new Y.Docs, so nothing comes back from a client's memory) must find
 * every flushed edit, each exactly once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateIdentity, type Identity } from '@enclave/shared';
import { type OpenDocument, openDocument } from '../../support/relay-fixture.js';
import { randomInt, seededRandom } from '../../support/seeded-random.js';
import { Lead } from '../lead.js';
import { RelayChild } from '../relay-child.js';
import type { Report } from '../report.js';

export interface KillOptions {
  readonly kills: number;
  /** The kill comes at a random moment in [minMs, maxMs) after both members started editing. */
  readonly minMs: number;
  readonly maxMs: number;
  readonly seed: number;
}

const SPACE = 'durable';
const ROOM = { space: SPACE, document: 'log.md' };

/** Appends `<tag><n>;` and flushes, over and over, until the connection dies. */
async function editUntilKilled(session: OpenDocument, tag: string, next: { n: number }, flushed: Set<string>) {
  const text = session.doc.getText('source');
  for (;;) {
    const token = `${tag}${next.n++}`;
    text.insert(text.length, `${token};`);
    try {
      await session.session.flush();
    } catch {
      return; // killed: this token may or may not be stored
    }
    flushed.add(token);
  }
}

/** Flushed tokens missing from `text`, and tokens present more than once or malformed. */
function check(text: string, flushed: ReadonlySet<string>): { lost: string[]; damaged: string[] } {
  const parts = text.split(';').filter((p) => p !== '');
  const seen = new Set<string>();
  const damaged: string[] = [];
  for (const part of parts) {
    if (!/^[AB]\d+$/.test(part) || seen.has(part)) damaged.push(part);
    seen.add(part);
  }
  return { lost: [...flushed].filter((t) => !seen.has(t)), damaged };
}

export async function killRestart(report: Report, options: KillOptions): Promise<void> {
  const section = 'SIGKILL and restart';
  const dataDir = mkdtempSync(join(tmpdir(), 'enclave-stress-kill-'));
  const admin = await generateIdentity('Lead');
  const config = { dataDir, admins: [admin.publicKey] };
  const [a, b, reader] = (await Promise.all(['A', 'B', 'Reader'].map((n) => generateIdentity(n)))) as Identity[];
  const random = seededRandom(options.seed);
  const flushed = new Set<string>();
  const counters = { A: { n: 0 }, B: { n: 0 } };
  let lost = 0;
  let damaged = 0;
  let kills = 0;
  let relay = await RelayChild.start(config);
  try {
    const lead = await Lead.open(relay.url, admin, SPACE, true);
    await lead.grant(a!, 'editor');
    await lead.grant(b!, 'editor');
    await lead.grant(reader!, 'viewer');
    lead.close();
    let create = true;
    for (; kills < options.kills; kills++) {
      const sessions = [
        await openDocument(relay.url, a!, ROOM, create ? { create: 'draft' } : {}),
        await openDocument(relay.url, b!, ROOM),
      ];
      create = false;
      const found = check(sessions[0]!.doc.getText('source').toString(), flushed);
      lost += found.lost.length;
      damaged += found.damaged.length;
      const editing = [
        editUntilKilled(sessions[0]!, 'A', counters.A, flushed),
        editUntilKilled(sessions[1]!, 'B', counters.B, flushed),
      ];
      await new Promise((resolve) =>
        setTimeout(resolve, options.minMs + randomInt(random, options.maxMs - options.minMs)),
      );
      await relay.kill();
      await Promise.all(editing);
      sessions.forEach((s) => s.close());
      relay = await RelayChild.start(config);
    }
    const last = await openDocument(relay.url, reader!, ROOM);
    const found = check(last.doc.getText('source').toString(), flushed);
    last.close();
    lost += found.lost.length;
    damaged += found.damaged.length;
    report.figure(section, 'kills', kills);
    report.figure(section, 'edits made', counters.A.n + counters.B.n);
    report.figure(section, 'edits flushed before a kill', flushed.size);
    report.figure(section, 'flushed edits lost', lost);
    report.invariant(
      '0 flushed edits lost across SIGKILLs',
      lost === 0,
      `${lost} of ${flushed.size} lost, ${kills} kills`,
    );
    report.invariant(
      'no document corrupted by SIGKILLs (each edit once, intact)',
      damaged === 0,
      `${damaged} duplicated or malformed`,
    );
    report.invariant("relay never dies (other than the suite's SIGKILLs)", relay.alive, relay.diedOnItsOwn ?? '');
  } finally {
    await relay.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
