/**
 * Naming a space in a command: from the command's `space` argument (`SPACE` or `RELAY/SPACE`), or asked,
 * suggesting the space of the shared document in front of the person.
 */
import { resolveTarget } from '../drive/enclave-path.js';
import { askText } from './dialogs.js';

export interface SpaceTarget {
  readonly relay: string;
  readonly space: string;
}

export function spaceFromText(text: string, relayNames: readonly string[]): SpaceTarget {
  const location = resolveTarget(`${text.trim()}/x`, relayNames);
  return { relay: location.relay, space: location.space };
}

export async function askSpace(
  args: { readonly [key: string]: unknown },
  relayNames: readonly string[],
  suggested: string,
  title = 'Enclave space',
): Promise<SpaceTarget | undefined> {
  if (typeof args['space'] === 'string') return spaceFromText(args['space'], relayNames);
  if (relayNames.length === 0) throw new Error('add a relay in Settings > Enclave first');
  const text = await askText(title, 'Space (or RELAY/SPACE)', suggested);
  return text ? spaceFromText(text, relayNames) : undefined;
}
