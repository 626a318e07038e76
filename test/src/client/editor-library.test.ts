/**
 * What both editors do, in shared's client library, against a real relay: the agreement gate and a lead's
 * live view of access requests (RequestWatch).
 */
import assert from 'node:assert/strict';
import {
  AgreementDeclinedError,
  type AccessRequestInfo,
  generateIdentity,
  type Identity,
  passAgreement,
  RequestWatch,
} from '@enclave/shared';
import { connect, createSpace, type RelayFixture, startRelay } from '../support/relay-fixture.js';
import { waitFor } from '../support/wait.js';

describe('editor client library', function () {
  this.timeout(30_000);
  let fixture: RelayFixture;
  let member: Identity;

  beforeEach(async () => {
    fixture = await startRelay();
    member = await generateIdentity('Member');
    await createSpace(fixture.url, fixture.admin, 'lab', [{ identity: member, role: 'editor' }]);
  });
  afterEach(async () => fixture.close());

  describe('passAgreement', () => {
    beforeEach(async () => {
      const lead = connect(fixture.url, fixture.admin, { space: 'lab' });
      const { agreement } = await lead.request({ op: 'agreement.set', text: 'Be kind.\n' });
      await lead.signAgreement(agreement);
      lead.close();
    });

    it('signs when the person agrees and resolves with the welcome that admits content', async () => {
      const connection = connect(fixture.url, member, { space: 'lab' });
      const asked: string[] = [];
      const welcome = await passAgreement(connection, { relay: 'r', space: 'lab' }, async (context, agreement) => {
        asked.push(`${context.space}: ${agreement.text}`);
        return true;
      });
      assert.deepEqual(asked, ['lab: Be kind.\n']);
      assert.equal(welcome.agreement, null);
      assert.equal(welcome.role, 'editor');
      const { signed } = await connection.request({ op: 'agreement.get' });
      assert.equal(signed, true);
      connection.close();
    });

    it('closes the connection on a decline and says so, having signed nothing', async () => {
      const connection = connect(fixture.url, member, { space: 'lab' });
      await assert.rejects(
        passAgreement(connection, { relay: 'r', space: 'lab' }, async () => false),
        (error: unknown) => error instanceof AgreementDeclinedError && /agreement of lab/.test(error.message),
      );
      assert.equal(connection.status, 'closed');
      const lead = connect(fixture.url, fixture.admin, { space: 'lab' });
      const { signatures } = await lead.request({ op: 'agreement.signatures' });
      assert.ok(!signatures.some((s) => s.publicKey === member.publicKey), 'no signature was recorded');
      lead.close();
    });
  });

  describe('RequestWatch', () => {
    const ask = async (name: string) => {
      const asker = await generateIdentity(name);
      const connection = connect(fixture.url, asker, { space: 'lab' }, false, {
        accessRequest: { name, message: `${name} asks` },
      });
      await waitFor(() => connection.status === 'waiting', `${name} waits`);
      return connection;
    };

    it('lists what was pending, adds live requests, and forgets what is approved or denied', async () => {
      const early = await ask('Early');
      const lead = connect(fixture.url, fixture.admin, { space: 'lab' });
      const watch = new RequestWatch(lead);
      const added: [string, boolean][] = [];
      watch.on('added', (request: AccessRequestInfo, live: boolean) => added.push([request.name, live]));
      await watch.whenLoaded();
      assert.deepEqual(added, [['Early', false]]);

      const late = await ask('Late');
      await waitFor(() => watch.pending.length === 2, 'the live request is added');
      assert.deepEqual(added, [
        ['Early', false],
        ['Late', true],
      ]);
      assert.deepEqual(
        watch.pending.map((r) => r.name),
        ['Early', 'Late'],
      );

      const { member: admitted } = await watch.approve(watch.pending[0]!.id, 'viewer');
      assert.equal(admitted.role, 'viewer');
      assert.equal((await early.whenWelcomed()).role, 'viewer');
      await watch.deny(watch.pending[0]!.id);
      assert.deepEqual(watch.pending, []);
      await waitFor(() => late.status === 'denied', 'the denied requester is refused');

      watch.destroy();
      for (const c of [early, late, lead]) c.close();
    });

    it('reports a problem, and lists nothing, for an identity that does not lead the space', async () => {
      await ask('Hidden');
      const connection = connect(fixture.url, member, { space: 'lab' });
      const watch = new RequestWatch(connection);
      const problems: string[] = [];
      watch.on('problem', (message: string) => problems.push(message));
      await watch.whenLoaded();
      assert.equal(problems.length, 1);
      assert.match(problems[0]!, /only a lead of lab .*you are editor/);
      assert.deepEqual(watch.pending, []);
      watch.destroy();
      connection.close();
    });
  });
});
