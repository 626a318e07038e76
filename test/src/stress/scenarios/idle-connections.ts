/**
 * Many idle admitted connections: the relay's RSS grows by about (memory per connection) x N. Memory per
 * connection is the RSS delta over N. Afterwards none may have been closed while idle.
 * Needs `ulimit -n` above N in this process and in the relay (each holds one descriptor per connection).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateIdentity } from '@enclave/shared';
import { openDocument } from '../../support/relay-fixture.js';
import { Lead } from '../lead.js';
import { RawMember } from '../raw-member.js';
import { RelayChild } from '../relay-child.js';
import type { Report } from '../report.js';

export interface IdleOptions {
  readonly connections: number;
  readonly concurrency: number;
  /** How long they sit idle before the count of survivors. */
  readonly idleMs: number;
}

const SPACE = 'idle';
const DOCUMENTS = 10;
const MEMBERS = 10;

const settle = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function idleConnections(report: Report, options: IdleOptions): Promise<void> {
  const section = 'idle connections';
  const dataDir = mkdtempSync(join(tmpdir(), 'enclave-stress-idle-'));
  const admin = await generateIdentity('Lead');
  const relay = await RelayChild.start({ dataDir, admins: [admin.publicKey] });
  const members = await Promise.all(Array.from({ length: MEMBERS }, (_, i) => generateIdentity(`Idle ${i}`)));
  const open: RawMember[] = [];
  try {
    const lead = await Lead.open(relay.url, admin, SPACE, true);
    for (const member of members) await lead.grant(member, 'editor');
    // The documents exist and are loaded before the baseline: what is measured is the connections.
    for (let d = 0; d < DOCUMENTS; d++) {
      const doc = await openDocument(
        relay.url,
        members[0]!,
        { space: SPACE, document: `d${d}.md` },
        { create: 'draft' },
      );
      open.push(await RawMember.admitted(relay.url, members[0]!, `${SPACE}/d${d}.md`));
      doc.close();
    }
    await settle(1_000);
    const before = relay.rssBytes();
    const started = performance.now();
    let failures = 0;
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let i = next++; i < options.connections; i = next++) {
        try {
          open.push(await RawMember.admitted(relay.url, members[i % MEMBERS]!, `${SPACE}/d${i % DOCUMENTS}.md`));
        } catch {
          failures++;
        }
      }
    };
    await Promise.all(Array.from({ length: options.concurrency }, worker));
    const connectSeconds = (performance.now() - started) / 1000;
    await settle(options.idleMs);
    const after = relay.rssBytes();
    const admitted = options.connections - failures;
    const dropped = open.filter((m) => !m.open).length;
    report.figure(section, 'connections admitted', admitted);
    report.figure(section, 'failed to connect', failures);
    report.figure(section, 'admissions per second', admitted / connectSeconds);
    report.figure(section, 'relay RSS before / after', `${mb(before)} / ${mb(after)} MB`);
    report.figure(section, 'memory per idle connection', `${((after - before) / admitted / 1024).toFixed(1)} KB`);
    report.figure(section, 'closed while idle', dropped);
    lead.close();
    report.invariant(
      'idle connections: all admitted and none closed while idle',
      failures === 0 && dropped === 0,
      `${failures} failed, ${dropped} closed of ${options.connections}, idle ${options.idleMs / 1000} s`,
    );
    report.invariant('relay never dies (idle phase)', relay.alive, relay.diedOnItsOwn ?? '');
  } finally {
    for (const member of open) member.terminate();
    await relay.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const mb = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);
