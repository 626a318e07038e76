/**
 * Rooms are addressed by URL path: `/<space>` for a space's control channel, `/<space>/<doc>` for a
 * document (as y-websocket puts the room name in the path). Names are restricted so that they are safe in
 * paths, file names and logs.
 */
import { DIRECTORY_ROOM, DIRECTORY_SPACE } from './directory.js';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export interface RoomAddress {
  readonly space: string;
  /** Undefined for the space's control channel. */
  readonly document?: string;
}

export function isValidName(name: string): boolean {
  return NAME.test(name) && !name.includes('..');
}

export function checkName(kind: 'space' | 'document', name: string): string {
  if (!isValidName(name)) {
    throw new Error(
      `invalid ${kind} name "${name}": use 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit`,
    );
  }
  return name;
}

/**
 * The relay's own channel, path `/`: not a space. Any identity that passes the handshake is admitted to it and
 * may ask only what concerns itself (`spaces.mine`); it carries no content and no presence. Its signed room
 * name is the empty string, which no space name can be.
 */
export const RELAY_CHANNEL: RoomAddress = Object.freeze({ space: '' });

export function isRelayChannel(address: { readonly space: string; readonly document?: string | undefined }): boolean {
  return address.space === '' && address.document === undefined;
}

/** The room string that is signed in the handshake: `space` or `space/doc` (empty for the relay channel). */
export function roomName(address: RoomAddress): string {
  return address.document === undefined ? address.space : `${address.space}/${address.document}`;
}

/** Parses `space` or `space/doc` (as typed on a command line). */
export function parseRoomName(text: string): RoomAddress {
  const parts = text.split('/');
  if (parts.length > 2 || parts.some((p) => p === '')) throw new Error(`"${text}" is not SPACE or SPACE/DOC`);
  const [space, document] = parts as [string, string | undefined];
  checkName('space', space);
  if (document !== undefined) checkName('document', document);
  return document === undefined ? { space } : { space, document };
}

/**
 * Parses a request path such as `/team/notes.ipynb?x=1`, the relay channel `/`, or the directory's
 * `/~directory`; undefined when it names no valid room.
 */
export function parseRoomPath(path: string): RoomAddress | undefined {
  const pathname = path.split('?')[0] ?? '';
  if (pathname === '/' || pathname === '') return RELAY_CHANNEL;
  try {
    const name = decodeURIComponent(pathname.replace(/^\/+/, ''));
    if (name === DIRECTORY_SPACE) return DIRECTORY_ROOM;
    return parseRoomName(name);
  } catch {
    return undefined;
  }
}

/** `ws://host:port` + room -> the WebSocket URL of that room. */
export function roomUrl(relayUrl: string, address: RoomAddress): string {
  const base = relayUrl.replace(/\/+$/, '');
  return `${base}/${encodeURIComponent(address.space)}${
    address.document === undefined ? '' : `/${encodeURIComponent(address.document)}`
  }`;
}
