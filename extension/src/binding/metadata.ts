/**
 * Sets a shared cell's or notebook's metadata to exactly `next`. @jupyter/ydoc's `setMetadata(object)`
 * merges (keys missing from the object survive), which would keep keys the editor removed.
 */
import { jsonEqual } from '../notebook/json-equal.js';

interface MetadataHolder {
  getMetadata(): object;
  setMetadata(key: string, value: never): void;
  deleteMetadata(key: string): void;
}

export function replaceMetadata(holder: MetadataHolder, next: Record<string, unknown>): void {
  const current = holder.getMetadata() as Record<string, unknown>;
  for (const key of Object.keys(current)) if (!(key in next) || next[key] === undefined) holder.deleteMetadata(key);
  for (const [key, value] of Object.entries(next)) {
    if (value !== undefined && !jsonEqual(current[key], value)) holder.setMetadata(key, value as never);
  }
}
