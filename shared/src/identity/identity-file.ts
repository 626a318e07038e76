/**
 * The identity file shared by the CLI, the VS Code extension and the JupyterLab plugin:
 * JSON `{ name, publicKey, secretKey }`. Parsing lives here; writing it with mode 0600 is the caller's job.
 */
import { type Identity, isPublicKeyText, SECRET_KEY_PREFIX } from './keys.js';

export function serializeIdentity(identity: Identity): string {
  const { name, publicKey, secretKey } = identity;
  return `${JSON.stringify({ name, publicKey, secretKey }, null, 2)}\n`;
}

/** Parses an identity file's text; the error says which field is wrong, never echoing the secret. */
export function parseIdentity(text: string): Identity {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error('the identity file is not JSON');
  }
  if (typeof value !== 'object' || value === null) throw new Error('the identity file is not a JSON object');
  const { name, publicKey, secretKey } = value as Record<string, unknown>;
  if (typeof name !== 'string' || name.trim() === '') throw new Error('the identity file has no "name"');
  if (!isPublicKeyText(publicKey)) throw new Error('the identity file\'s "publicKey" is not an ed25519: key');
  if (typeof secretKey !== 'string' || !secretKey.startsWith(SECRET_KEY_PREFIX)) {
    throw new Error(`the identity file's "secretKey" does not start with "${SECRET_KEY_PREFIX}"`);
  }
  return { name, publicKey, secretKey };
}
