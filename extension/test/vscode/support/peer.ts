/**
 * The second participant: a headless client driven by the shared client library (the one the CLI and
 * JupyterLab plugin use), over its own connection to the real relay, from the same worker.
 */
import { YNotebook, YFile } from '@jupyter/ydoc';
import {
  DocumentSession,
  EnclaveConnection,
  type Identity,
  type NotebookContent,
  readNotebook,
  writeNotebook,
} from '@enclave/shared';
import { testEnvironment } from './environment.js';
import { webSocket } from './space.js';

export class NotebookPeer {
  private constructor(
    readonly connection: EnclaveConnection,
    readonly session: DocumentSession,
    readonly notebook: YNotebook,
  ) {}

  static async join(identity: Identity, space: string, document: string, create = false): Promise<NotebookPeer> {
    const { peerRelay } = await testEnvironment();
    const connection = new EnclaveConnection({
      relayUrl: peerRelay,
      room: { space, document },
      identity,
      WebSocket: webSocket(),
    }).connect();
    const notebook = new YNotebook();
    const session = new DocumentSession({
      connection,
      doc: notebook.ydoc,
      awareness: notebook.awareness,
      ...(create ? { create: 'notebook' as const } : {}),
    });
    await session.whenSynced();
    return new NotebookPeer(connection, session, notebook);
  }

  /** Replaces the content and waits until the relay has stored it. */
  async write(content: NotebookContent): Promise<void> {
    writeNotebook(this.notebook, content);
    await this.session.flush();
  }

  content(): NotebookContent {
    return readNotebook(this.notebook);
  }

  leave(): void {
    this.session.destroy();
    this.connection.close();
    this.notebook.dispose();
  }
}

export class DraftPeer {
  private constructor(
    readonly connection: EnclaveConnection,
    readonly session: DocumentSession,
    readonly file: YFile,
  ) {}

  static async join(identity: Identity, space: string, document: string, create = false): Promise<DraftPeer> {
    const { peerRelay } = await testEnvironment();
    const connection = new EnclaveConnection({
      relayUrl: peerRelay,
      room: { space, document },
      identity,
      WebSocket: webSocket(),
    }).connect();
    const file = new YFile();
    const session = new DocumentSession({
      connection,
      doc: file.ydoc,
      awareness: file.awareness,
      ...(create ? { create: 'draft' as const } : {}),
    });
    await session.whenSynced();
    return new DraftPeer(connection, session, file);
  }

  leave(): void {
    this.session.destroy();
    this.connection.close();
    this.file.dispose();
  }
}
