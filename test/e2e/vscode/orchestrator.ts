/** The orchestrator's control endpoint, seen from inside VS Code: JupyterLab's page, the relay, CLI, nbformat. */
import { testEnvironment } from '../../../extension/test/vscode/support/environment.js';

export async function call<T>(route: string, body: Record<string, unknown> = {}): Promise<T> {
  const { control } = await testEnvironment();
  const response = await fetch(`${control}${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const value = (await response.json()) as T & { error?: string };
  if (!response.ok) throw new Error(`${route}: ${value?.error ?? response.status}`);
  return value;
}

/** JupyterLab's document path of a shared document (the relay is named `e2e` in JupyterLab's settings). */
export function labPath(space: string, document: string): string {
  return `Enclave:e2e/${space}/${document}`;
}

/** Runs `body` in JupyterLab's page as an async function of `app`, `arg` and `widget(path)`. */
export function lab<T>(body: string, arg?: unknown): Promise<T> {
  return call<T>('/lab/eval', { body, arg });
}

export function labSources(path: string): Promise<string[]> {
  return lab('return widget(arg).content.model.sharedModel.cells.map((c) => c.getSource())', path);
}

export function labType(path: string, cell: number | null, text: string, delay = 20): Promise<void> {
  return call('/lab/type', { path, cell, text, delay });
}

export async function labOpen(space: string, document: string): Promise<string> {
  await lab("await app.commands.execute('enclave:open', { path: arg })", `${space}/${document}`);
  return labPath(space, document);
}

export function screenshot(name: string, docs = false): Promise<string[]> {
  return call('/screenshot', { name, docs });
}
