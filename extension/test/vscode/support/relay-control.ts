/** Takes the test relay down and brings it back (same data), through the runner's control endpoint. */
import { testEnvironment } from './environment.js';

export async function relay(action: 'stop' | 'start'): Promise<void> {
  const { control } = await testEnvironment();
  const response = await fetch(`${control}/relay/${action}`, { method: 'POST' });
  if (!response.ok) throw new Error(`relay ${action}: ${response.status} ${await response.text()}`);
}
