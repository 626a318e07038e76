/** Takes the test relay down and brings it back (same data), through the runner's control endpoint. */
import { testEnvironment } from './environment.js';

export async function relay(action: 'stop' | 'start'): Promise<void> {
  const { control } = await testEnvironment();
  const response = await fetch(`${control}/relay/${action}`, { method: 'POST' });
  if (!response.ok) throw new Error(`relay ${action}: ${response.status} ${await response.text()}`);
}

/** Alters `space`'s listing in the relay's storage, so the directory serves text its lead never signed. */
export async function alterListing(space: string): Promise<void> {
  const { control } = await testEnvironment();
  const response = await fetch(`${control}/listing/alter?space=${encodeURIComponent(space)}`, { method: 'POST' });
  if (!response.ok) throw new Error(`alter listing: ${response.status} ${await response.text()}`);
}
