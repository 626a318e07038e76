/**
 * The slice of the WebSocket API the client library uses. Browsers and VS Code's web worker provide it
 * globally; in Node the `ws` package's class fits. Passed in, so this library depends on no platform.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- handler parameters are `any` so that the DOM's
   WebSocket (handlers taking Event, MessageEvent, CloseEvent) is assignable under strictFunctionTypes. */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  onopen: ((event: any) => void) | null;
  onmessage: ((event: any) => void) | null;
  onclose: ((event: any) => void) | null;
  onerror: ((event: any) => void) | null;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

export type WebSocketConstructor = new (url: string) => WebSocketLike;

export const WS_OPEN = 1;

/** Turns a message event's data (ArrayBuffer in browsers, Buffer/ArrayBuffer from `ws`) into bytes. */
export function messageBytes(data: unknown): Uint8Array | undefined {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return undefined;
}
