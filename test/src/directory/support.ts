/**
 * Directory helpers for tests: a lead lists a space through the real protocol (signed by their key), and a
 * raw client reads the directory, keeping every frame it received for assertions on the wire.
 */
import {
  DIRECTORY_SPACE,
  encodeClientMessage,
  type Identity,
  type ListingText,
  type Request,
  signListing,
} from '@enclave/shared';
import type WebSocket from 'ws';
import { connect } from '../support/relay-fixture.js';
import { waitFor } from '../support/wait.js';
import { WireRecorder } from '../support/wire-recorder.js';

export const LISTING: ListingText = {
  title: 'Interpretability reading group',
  description: 'Induction heads and superposition in small transformers',
  expectations: 'Cite drafts before sharing them outside the group.',
  showAgreement: false,
};

/** `lead` lists `space` (signed for the relay it reaches) and closes the connection. */
export async function listSpace(
  url: string,
  lead: Identity,
  space: string,
  text: ListingText = LISTING,
): Promise<void> {
  const connection = connect(url, lead, { space });
  try {
    await connection.whenWelcomed();
    await connection.request(await signListing(lead, connection.relayId!, space, text));
  } finally {
    connection.destroy();
  }
}

/** Sends one request on an admitted raw connection and resolves with the response's raw JSON. */
export async function rawRequest(
  recorder: WireRecorder,
  request: Request,
  id: number,
): Promise<{ ok: boolean; result?: unknown; error?: { code: string; message: string } }> {
  recorder.send(encodeClientMessage({ type: 'request', id, request }));
  let found: unknown;
  await waitFor(() => {
    found = recorder.messages().find((m) => m.type === 'response' && m.id === id);
    return found !== undefined;
  }, `response ${id}`);
  return found as { ok: boolean; result?: unknown; error?: { code: string; message: string } };
}

/** A raw client admitted to the directory channel as `identity`. */
export function openDirectory(
  url: string,
  identity: Identity,
  options: WebSocket.ClientOptions = {},
): Promise<WireRecorder> {
  return WireRecorder.admitted(url, identity, DIRECTORY_SPACE, options);
}

/** The directory's listings as the relay sent them on the wire (raw JSON, every key it carried). */
export async function readRaw(url: string, identity: Identity, options: WebSocket.ClientOptions = {}) {
  const recorder = await openDirectory(url, identity, options);
  try {
    const response = await rawRequest(recorder, { op: 'directory.list' }, 1);
    if (!response.ok) throw new Error(`directory.list failed: ${JSON.stringify(response.error)}`);
    return { recorder, listings: (response.result as { listings: Record<string, unknown>[] }).listings };
  } finally {
    recorder.close();
  }
}
