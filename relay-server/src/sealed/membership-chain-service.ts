/**
 * A sealed space's membership chain as the relay keeps it: statements signed by leads, stored in order and
 * served to members. The relay holds no lead's key, so it cannot write a statement of its own; it checks
 * each one before storing it only to keep garbage and other people's signatures out (clients verify the
 * whole chain again themselves, membership-chain.ts, and trust nothing the relay says about it).
 */
import {
  ChainBroken,
  type MembershipStatement,
  parseStatement,
  type PublicKeyText,
  type ResultOf,
  verifyChain,
} from '@enclave/shared';
import type { AccessService } from '../access/access-service.js';
import { RequestFailure } from '../control/request-failure.js';
import { type Storage, StorageConflict } from '../storage/storage.js';
import type { KeyService } from './key-service.js';

export class MembershipChainService {
  constructor(
    private readonly storage: Storage,
    private readonly access: AccessService,
    private readonly keys: KeyService,
    private readonly relayId: PublicKeyText,
  ) {}

  async get(space: string, member: PublicKeyText): Promise<ResultOf['chain.get']> {
    await this.keys.requireSealed(space);
    await this.access.requireMember(space, member);
    return { statements: await this.statements(space) };
  }

  /** Stores a statement the caller (a lead) signed, at the place after the chain's last. */
  async append(space: string, lead: PublicKeyText, statement: MembershipStatement): Promise<ResultOf['chain.append']> {
    await this.keys.requireSealed(space);
    await this.access.requireLead(space, lead);
    if (statement.by !== lead)
      throw new RequestFailure('forbidden', 'a statement is appended by the lead who signed it');
    const chain = await this.statements(space);
    try {
      // The chain as it would be: checks place, link, signer's role and signature with the one code clients use.
      await verifyChain(this.relayId, space, [...chain, statement]);
    } catch (error) {
      if (!(error instanceof ChainBroken)) throw error;
      const code = statement.seq === chain.length + 1 ? 'bad-request' : 'conflict';
      throw new RequestFailure(code, `the statement does not extend the chain: ${error.message}`);
    }
    try {
      await this.storage.appendChainStatement(space, statement.seq, JSON.stringify(statement));
    } catch (error) {
      if (error instanceof StorageConflict) throw new RequestFailure('conflict', error.message);
      throw error;
    }
    return { length: statement.seq };
  }

  private async statements(space: string): Promise<MembershipStatement[]> {
    const stored = await this.storage.listChainStatements(space);
    // What another writer left in storage is served as it is: clients' verification is what counts.
    return stored.flatMap((text) => {
      try {
        return [parseStatement(JSON.parse(text))];
      } catch {
        return [];
      }
    });
  }
}
