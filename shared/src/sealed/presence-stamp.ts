/**
 * In a plain space the relay stamps each connection's authenticated identity into its awareness (the `user`
 * field every editor reads). In a sealed space the relay cannot read presence, so the receiving client does
 * the same with what it verified itself: each state of a presence update whose signature checked out gets
 * the author's key, fingerprint and colour, whatever the sender claimed; only the display name is the
 * sender's own (cleaned), as SECURITY.md says.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { colorForFingerprint, fingerprint } from '../identity/fingerprint.js';
import type { PublicKeyText } from '../identity/keys.js';
import { cleanDisplayName } from '../protocol/display-names.js';
import { stampedUser, USER_FIELD } from '../protocol/stamped-user.js';

/** The awareness update with every non-null state's `user` replaced by the verified author's stamp. */
export async function stampPresence(update: Uint8Array, author: string): Promise<Uint8Array> {
  const fp = await fingerprint(author);
  const decoder = decoding.createDecoder(update);
  const encoder = encoding.createEncoder();
  const count = decoding.readVarUint(decoder);
  encoding.writeVarUint(encoder, count);
  for (let i = 0; i < count; i++) {
    encoding.writeVarUint(encoder, decoding.readVarUint(decoder)); // client id
    encoding.writeVarUint(encoder, decoding.readVarUint(decoder)); // clock
    const state: unknown = JSON.parse(decoding.readVarString(decoder));
    if (state === null || typeof state !== 'object' || Array.isArray(state)) {
      encoding.writeVarString(encoder, JSON.stringify(state === null ? null : {}));
      continue;
    }
    const claimed = (state as Record<string, unknown>)[USER_FIELD] as Record<string, unknown> | undefined;
    const name = cleanDisplayName(typeof claimed?.['name'] === 'string' ? claimed['name'] : undefined) ?? fp;
    const user = stampedUser({
      publicKey: author as PublicKeyText,
      name,
      fingerprint: fp,
      color: colorForFingerprint(fp),
    });
    encoding.writeVarString(encoder, JSON.stringify({ ...state, [USER_FIELD]: user }));
  }
  return encoding.toUint8Array(encoder);
}
