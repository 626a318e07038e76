/**
 * The person's Enclave identity in this browser: loaded from the store, created on first use, replaced by
 * importing an identity file (the same JSON file the CLI and the VS Code extension use), exported as one.
 */
import {
  checkIdentity,
  colorForFingerprint,
  fingerprint,
  generateIdentity,
  type Identity,
  initialsOf,
  parseIdentity,
  serializeIdentity,
} from '@enclave/shared';
import { ObservableV2 } from 'lib0/observable';
import type { IdentityStore } from './identity-store.js';

/** What the UI shows about an identity; never the secret. */
export interface IdentitySummary {
  readonly name: string;
  readonly publicKey: string;
  readonly fingerprint: string;
  readonly color: string;
  readonly initials: string;
}

export interface IdentityManagerEvents {
  changed: (identity: Identity) => void;
}

export class IdentityManager extends ObservableV2<IdentityManagerEvents> {
  private identity: Identity | undefined;
  private loading: Promise<Identity | undefined> | undefined;
  private ensuring: Promise<Identity> | undefined;

  constructor(
    readonly store: IdentityStore,
    private readonly crypto?: Crypto,
  ) {
    super();
  }

  /** The identity, if one was loaded or created. */
  get current(): Identity | undefined {
    return this.identity;
  }

  /** Loads the stored identity once; undefined when there is none yet. */
  load(): Promise<Identity | undefined> {
    this.loading ??= this.store.load().then((identity) => {
      this.identity ??= identity;
      return this.identity;
    });
    return this.loading;
  }

  /**
   * The identity to connect with: the stored one, or a new one named `name()` (asked only when needed).
   * Concurrent callers share the one creation.
   */
  ensure(name: () => Promise<string>): Promise<Identity> {
    this.ensuring ??= (async () => {
      const existing = await this.load();
      if (existing) return existing;
      const chosen = (await name()).trim();
      if (!chosen) throw new Error('an identity needs a display name');
      return this.replace(await generateIdentity(chosen, this.crypto));
    })().finally(() => {
      this.ensuring = undefined;
    });
    return this.ensuring;
  }

  /** Replaces the identity with the one in an identity file's text, after checking that its keys match. */
  async importText(text: string): Promise<Identity> {
    const identity = parseIdentity(text);
    await checkIdentity(identity, this.crypto);
    return this.replace(identity);
  }

  /** The identity file's text, for download. */
  exportText(): string {
    if (!this.identity) throw new Error('there is no Enclave identity in this browser yet');
    return serializeIdentity(this.identity);
  }

  async summary(identity: Identity | undefined = this.identity): Promise<IdentitySummary | undefined> {
    if (!identity) return undefined;
    const fp = await fingerprint(identity.publicKey, this.crypto);
    return {
      name: identity.name,
      publicKey: identity.publicKey,
      fingerprint: fp,
      color: colorForFingerprint(fp),
      initials: initialsOf(identity.name),
    };
  }

  private async replace(identity: Identity): Promise<Identity> {
    await this.store.save(identity);
    this.identity = identity;
    this.loading = Promise.resolve(identity);
    this.emit('changed', [identity]);
    return identity;
  }
}
