/**
 * The user's Enclave identity, kept in VS Code's SecretStorage (the secret key never leaves it, except
 * through an explicit export). One identity per VS Code profile.
 */
import * as vscode from 'vscode';
import { checkIdentity, generateIdentity, type Identity, parseIdentity, serializeIdentity } from '@enclave/shared';

const SECRET_KEY = 'enclave.identity';

export class IdentityStore implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Identity | undefined>();
  readonly onDidChange = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(private readonly secrets: vscode.SecretStorage) {
    this.subscription = secrets.onDidChange(async (event) => {
      if (event.key === SECRET_KEY) this.changed.fire(await this.get());
    });
  }

  async get(): Promise<Identity | undefined> {
    const text = await this.secrets.get(SECRET_KEY);
    return text ? parseIdentity(text) : undefined;
  }

  /** Checks that the secret key signs for the public key, then stores the identity. */
  async set(identity: Identity): Promise<void> {
    await checkIdentity(identity);
    await this.secrets.store(SECRET_KEY, serializeIdentity(identity));
  }

  async create(name: string): Promise<Identity> {
    const identity = await generateIdentity(name);
    await this.set(identity);
    return identity;
  }

  async rename(name: string): Promise<Identity> {
    const current = await this.get();
    if (!current) throw new Error('there is no Enclave identity yet');
    const renamed = { ...current, name };
    await this.set(renamed);
    return renamed;
  }

  async clear(): Promise<void> {
    await this.secrets.delete(SECRET_KEY);
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
