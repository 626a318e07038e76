/**
 * Agreements: once a lead attaches a text, a member receives no content until they sign its current
 * version with their key; a changed text must be signed again; who signed which version is kept.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  agreementHash,
  answerChallenge,
  CloseCode,
  encodeClientMessage,
  generateIdentity,
  type Identity,
  importSigningKey,
} from '@enclave/shared';
import { connect, createSpace, openDocument, type RelayFixture, startRelay } from '../support/relay-fixture.js';
import { type RelayProcess, runCli, startRelayProcess } from '../support/cli.js';
import { waitFor } from '../support/wait.js';
import { WireRecorder } from '../support/wire-recorder.js';
import * as encoding from 'lib0/encoding';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';

const TEXT_V1 = "I won't use this for capabilities work without the permission of the authors.\n";
const TEXT_V2 = `${TEXT_V1}I will cite the group when I use these results.\n`;

describe('agreements (client library)', function () {
  this.timeout(30_000);
  let fixture: RelayFixture;
  let member: Identity;

  beforeEach(async () => {
    fixture = await startRelay();
    member = await generateIdentity('Member');
    await createSpace(fixture.url, fixture.admin, 'lab', [{ identity: member, role: 'editor' }]);
    const writer = await openDocument(
      fixture.url,
      fixture.admin,
      { space: 'lab', document: 'paper.md' },
      { create: 'draft' },
    );
    writer.doc.getText('source').insert(0, 'draft results');
    await writer.session.flush();
    writer.close();
    const lead = connect(fixture.url, fixture.admin, { space: 'lab' });
    const { agreement } = await lead.request({ op: 'agreement.set', text: TEXT_V1 });
    await lead.signAgreement(agreement);
    lead.destroy();
  });
  afterEach(async () => fixture.close());

  it('sends an unsigned member no content, on the wire, even if they ask for it', async () => {
    const recorder = await WireRecorder.open(`${fixture.url}/lab/paper.md`);
    const answer = await answerChallenge(recorder.challenge, member, await importSigningKey(member), 'lab/paper.md', 1);
    recorder.send(encodeClientMessage(answer));
    await waitFor(() => recorder.messages().some((m) => m.type === 'welcome'), 'welcome');
    const welcome = recorder.messages().find((m) => m.type === 'welcome');
    assert.equal(welcome?.type === 'welcome' && welcome.agreement?.text, TEXT_V1);
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, 0);
    syncProtocol.writeSyncStep1(encoder, new Y.Doc());
    recorder.send(encoding.toUint8Array(encoder)); // asks for everything anyway
    recorder.send(encodeClientMessage({ type: 'request', id: 9, request: { op: 'documents.list' } }));
    await waitFor(() => recorder.messages().some((m) => m.type === 'response'), 'refusal');
    const response = recorder.messages().find((m) => m.type === 'response');
    assert.equal(response?.type === 'response' && !response.ok && response.error.code, 'agreement-required');
    assert.equal(recorder.documentFrames().length, 0);
    assert.equal(recorder.received('draft results'), false);
    recorder.close();
  });

  it('starts sync once the member signs; a changed text cuts content until signed again', async () => {
    const doc = new Y.Doc();
    const connection = connect(fixture.url, member, { space: 'lab', document: 'paper.md' }, true);
    const { DocumentSession } = await import('@enclave/shared');
    const session = new DocumentSession({ connection, doc });
    const shown: string[] = [];
    session.on('agreement', (a) => shown.push(a.text));
    await waitFor(() => shown.length === 1, 'the agreement is shown');
    assert.equal(doc.getText('source').toString(), '', 'no content before signing');
    const welcome = await connection.whenWelcomed();
    await connection.signAgreement(welcome.agreement!);
    await session.whenSynced();
    assert.equal(doc.getText('source').toString(), 'draft results');

    const closes: number[] = [];
    connection.on('closed', (info) => closes.push(info.code));
    const lead = connect(fixture.url, fixture.admin, { space: 'lab' });
    await lead.request({ op: 'agreement.set', text: TEXT_V2 });
    await waitFor(() => closes.includes(CloseCode.AgreementChanged), 'the open document is cut off');
    await waitFor(() => shown.length === 2, 'the new text is shown after reconnecting');
    assert.equal(shown[1], TEXT_V2);
    const stale = await lead.request({ op: 'agreement.get' });
    assert.equal(stale.agreement?.version, 2);
    await assert.rejects(
      connection.request({ op: 'agreement.sign', version: 1, hash: await agreementHash(TEXT_V1), signature: 'x' }),
      /version 2/,
    );
    await connection.signAgreement((await connection.whenWelcomed()).agreement!);
    await waitFor(() => session.synced, 'content flows again');

    const { signatures } = await lead.request({ op: 'agreement.signatures' });
    const mine = signatures.filter((s) => s.publicKey === member.publicKey).map((s) => s.version);
    assert.deepEqual(mine.sort(), [1, 2]);
    session.destroy();
    connection.destroy();
    lead.destroy();
  });

  it('refuses a signature made with another key', async () => {
    const mallory = await generateIdentity('Mallory');
    const connection = connect(fixture.url, member, { space: 'lab' });
    const welcome = await connection.whenWelcomed();
    const { toBase64Url, sign, agreementPayload } = await import('@enclave/shared');
    const bad = toBase64Url(
      await sign(
        await importSigningKey(mallory),
        agreementPayload('lab', welcome.agreement!.version, welcome.agreement!.hash),
      ),
    );
    await assert.rejects(
      connection.request({
        op: 'agreement.sign',
        version: welcome.agreement!.version,
        hash: welcome.agreement!.hash,
        signature: bad,
      }),
      /does not verify/,
    );
    connection.destroy();
  });
});

describe('agreements (CLI, real relay process)', function () {
  this.timeout(60_000);
  let dir: string;
  let relay: RelayProcess;
  const as = (who: string): Record<string, string> => ({
    ENCLAVE_RELAY: relay.url,
    ENCLAVE_IDENTITY: join(dir, `${who}.json`),
  });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'enclave-agreement-'));
    const lead = (await runCli(['identity', 'new', '--name', 'Lead', '--out', join(dir, 'lead.json')])).stdout.trim();
    const member = (await runCli(['identity', 'new', '--name', 'Mem', '--out', join(dir, 'mem.json')])).stdout.trim();
    relay = await startRelayProcess(join(dir, 'data'), lead);
    await runCli(['space', 'create', 'lab'], as('lead'));
    await runCli(['grant', 'lab', member, '--role', 'editor'], as('lead'));
    writeFileSync(join(dir, 'n.md'), 'n\n');
    await runCli(['push', 'lab/n.md', join(dir, 'n.md')], as('lead'));
    writeFileSync(join(dir, 'terms.txt'), TEXT_V1);
  });
  after(async () => {
    await relay?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('blocks an unsigned member until `agreement sign`, and records who signed', async () => {
    const set = await runCli(['agreement', 'set', 'lab', join(dir, 'terms.txt')], as('lead'));
    assert.equal(set.code, 0, set.stderr);
    const blocked = await runCli(['pull', 'lab/n.md', '--out', join(dir, 'o.md')], as('mem'));
    assert.equal(blocked.code, 3);
    assert.match(blocked.stderr, /agreement sign lab/);
    const shown = await runCli(['agreement', 'show', 'lab'], as('mem'));
    assert.equal(shown.stdout, TEXT_V1);
    assert.match(shown.stderr, /not signed/);
    const noTty = await runCli(['agreement', 'sign', 'lab'], as('mem'));
    assert.equal(noTty.code, 2, 'without a terminal, signing needs --yes');
    assert.equal((await runCli(['agreement', 'sign', 'lab', '--yes'], as('mem'))).code, 0);
    assert.equal((await runCli(['pull', 'lab/n.md', '--out', join(dir, 'o.md')], as('mem'))).code, 0);
    const signatures = JSON.parse((await runCli(['agreement', 'signatures', 'lab', '--json'], as('lead'))).stdout) as {
      version: number;
    }[];
    assert.equal(signatures.length, 2, 'the lead (on setting it) and the member');
    const events = (await runCli(['audit', 'lab', '--jsonl'], as('lead'))).stdout;
    assert.match(events, /"agreement-set"/);
    assert.match(events, /"agreement-signed"/);
  });
});
