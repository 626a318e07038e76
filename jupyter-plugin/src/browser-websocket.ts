/**
 * The browser's WebSocket as the client library's WebSocketConstructor. The cast is needed because
 * shared's WebSocketLike types its handlers as `(event: unknown) => void`, which the DOM's
 * `(ev: Event) => any` handlers do not satisfy under strictFunctionTypes (reported for shared/).
 */
import type { WebSocketConstructor } from '@enclave/shared';

export function browserWebSocket(): WebSocketConstructor {
  return globalThis.WebSocket as unknown as WebSocketConstructor;
}
