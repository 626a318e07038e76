/**
 * Whom a member accepts sealed updates and snapshots from: authors the space's verified membership chain
 * has made an editor or a lead. The relay drops a viewer's write, but a relay that does not (hostile, or
 * broken into) could otherwise pass on edits from a viewer, who holds the content key to seal them. The
 * chain is signed by leads, so the relay cannot add a writer to it.
 *
 * The chain is read lazily, on the first update from an author not yet known as a writer, and read again
 * for each new such author (they may have been granted since). What it does not give: a writer demoted to
 * viewer stays accepted (log entries carry no point of the chain to date them against; a revoke rotates the
 * key, which the relay then enforces and members check by epoch), and a space whose chain is still empty
 * (made before chains, no lead has attested it) has no chain to check against: everyone is accepted.
 */
import type { PublicKeyText } from '../identity/keys.js';
import type { ChainState } from '../sealed/membership-chain.js';

/** How long a refusal stands before the same author makes the chain be read again. */
const REFUSAL_REREAD_MS = 5_000;

export class ChainWriters {
  private chain: ChainState | undefined;
  private readonly refusedAt = new Map<PublicKeyText, number>();

  /** `load` fetches and verifies the chain (space-membership.ts loadChain); it throws ChainBroken if it lies. */
  constructor(private readonly load: () => Promise<ChainState>) {}

  /** True if `author` may have written; reads the chain first when it does not know. */
  async admits(author: PublicKeyText): Promise<boolean> {
    if (this.known(author)) return true;
    const refused = this.refusedAt.get(author);
    if (refused !== undefined && Date.now() - refused < REFUSAL_REREAD_MS) return false;
    this.chain = await this.load();
    if (this.known(author)) {
      this.refusedAt.delete(author);
      return true;
    }
    this.refusedAt.set(author, Date.now());
    return false;
  }

  private known(author: PublicKeyText): boolean {
    return this.chain !== undefined && (this.chain.length === 0 || this.chain.writers.has(author));
  }
}
