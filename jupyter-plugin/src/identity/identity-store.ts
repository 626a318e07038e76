/**
 * Where the browser keeps the identity: IndexedDB of JupyterLab's origin. Not JupyterLab's state database
 * or settings, which are stored on the Jupyter server: the secret key never leaves the browser.
 * A memory store stands in when IndexedDB is unavailable (some private windows); the identity then lasts
 * as long as the page, and the UI says so.
 */
import { type Identity, parseIdentity, serializeIdentity } from '@enclave/shared';

export interface IdentityStore {
  /** 'indexeddb' persists across reloads; 'memory' lasts for the page. */
  readonly kind: 'indexeddb' | 'memory';
  load(): Promise<Identity | undefined>;
  save(identity: Identity): Promise<void>;
  clear(): Promise<void>;
}

const DB_NAME = 'enclave';
const STORE = 'identity';
const KEY = 'current';

export class IndexedDbIdentityStore implements IdentityStore {
  readonly kind = 'indexeddb' as const;
  private db: Promise<IDBDatabase> | undefined;

  constructor(private readonly factory: IDBFactory) {}

  async load(): Promise<Identity | undefined> {
    const text = await this.run<unknown>('readonly', (store) => store.get(KEY));
    return typeof text === 'string' ? parseIdentity(text) : undefined;
  }

  async save(identity: Identity): Promise<void> {
    await this.run('readwrite', (store) => store.put(serializeIdentity(identity), KEY));
  }

  async clear(): Promise<void> {
    await this.run('readwrite', (store) => store.delete(KEY));
  }

  private open(): Promise<IDBDatabase> {
    this.db ??= new Promise((resolve, reject) => {
      const request = this.factory.open(DB_NAME, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error ?? new Error('cannot open IndexedDB'));
    });
    return this.db;
  }

  private async run<T>(mode: IDBTransactionMode, action: (store: IDBObjectStore) => IDBRequest): Promise<T> {
    const db = await this.open();
    return new Promise<T>((resolve, reject) => {
      const transaction = db.transaction(STORE, mode);
      const request = action(transaction.objectStore(STORE));
      transaction.oncomplete = () => resolve(request.result as T);
      transaction.onerror = () => reject(transaction.error ?? new Error('IndexedDB transaction failed'));
      transaction.onabort = () => reject(transaction.error ?? new Error('IndexedDB transaction aborted'));
    });
  }
}

export class MemoryIdentityStore implements IdentityStore {
  readonly kind = 'memory' as const;
  private text: string | undefined;

  async load(): Promise<Identity | undefined> {
    return this.text === undefined ? undefined : parseIdentity(this.text);
  }

  async save(identity: Identity): Promise<void> {
    this.text = serializeIdentity(identity);
  }

  async clear(): Promise<void> {
    this.text = undefined;
  }
}

/** IndexedDB when the browser offers it, memory otherwise. */
export function browserIdentityStore(): IdentityStore {
  const factory = (globalThis as { indexedDB?: IDBFactory }).indexedDB;
  return factory ? new IndexedDbIdentityStore(factory) : new MemoryIdentityStore();
}
