/**
 * What an editor or the CLI holds once a document is open, whether its space is plain (DocumentSession:
 * y-websocket sync) or sealed (SealedSession: encrypted, signed log). Code that edits, shows presence or
 * flushes talks to this, and looks at `sealed` only to tell the person.
 */
import type { Awareness } from 'y-protocols/awareness';
import type * as Y from 'yjs';
import type { AgreementInfo } from '../protocol/governance.js';
import type { DocumentInfo } from '../protocol/messages.js';
import type { EnclaveConnection } from './enclave-connection.js';
import type { RequestError } from './errors.js';

export interface LiveDocumentEvents {
  /** True once the local doc holds everything the relay had at (re)connection. */
  synced: (synced: boolean) => void;
  /** The room has no such document and it was not to be created (or creating it was refused). */
  missing: (error: RequestError) => void;
  document: (info: DocumentInfo) => void;
  /** The member must read and sign this agreement (connection.signAgreement) before content flows. */
  agreement: (agreement: AgreementInfo) => void;
  /** Sealed spaces: a message failed verification or a sequence check, and was not applied. */
  tampered: (message: string) => void;
  /** Sealed spaces: no lead has shared the space's key with this member yet. */
  'waiting-for-key': (message: string) => void;
}

export interface LiveDocument {
  /** Whether the space is sealed: the relay holds only ciphertext. */
  readonly sealed: boolean;
  readonly connection: EnclaveConnection;
  readonly doc: Y.Doc;
  readonly awareness: Awareness;
  readonly synced: boolean;
  readonly document: DocumentInfo | undefined;
  whenSynced(): Promise<void>;
  /** Resolves once the relay has durably stored every local change so far. */
  flush(): Promise<void>;
  destroy(): void;
  on<N extends keyof LiveDocumentEvents>(name: N, f: LiveDocumentEvents[N]): LiveDocumentEvents[N];
  off<N extends keyof LiveDocumentEvents>(name: N, f: LiveDocumentEvents[N]): void;
}
