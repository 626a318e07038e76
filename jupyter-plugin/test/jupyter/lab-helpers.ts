/**
 * Browser-side helpers for the JupyterLab tests, run through page.evaluate against `window.jupyterapp`.
 * Each function is self-contained (playwright serializes it into the page).
 */
import type { Page } from 'playwright-core';

/* eslint-disable @typescript-eslint/no-explicit-any */
type AnyWindow = Window & { jupyterapp: any };

export function execute<T = unknown>(page: Page, command: string, args: Record<string, unknown> = {}): Promise<T> {
  return page.evaluate(
    async ({ command, args }) => {
      const result = await (window as unknown as AnyWindow).jupyterapp.commands.execute(command, args);
      if (result && typeof result === 'object' && 'node' in result)
        return { widgetId: (result as { id: string }).id } as unknown;
      return result as unknown;
    },
    { command, args },
  ) as Promise<T>;
}

/** The DOM id of the main-area widget whose document path is `path`, or null. */
export function widgetIdFor(page: Page, path: string): Promise<string | null> {
  return page.evaluate((path) => {
    for (const widget of (window as unknown as AnyWindow).jupyterapp.shell.widgets('main')) {
      if (widget.context?.path === path) return widget.id as string;
    }
    return null;
  }, path);
}

/** Evaluates `fn(widget)` on the document widget of `path` in the page. */
export function onWidget<T, A = undefined>(page: Page, path: string, fn: string, arg?: A): Promise<T> {
  return page.evaluate(
    ({ path, fn, arg }) => {
      let found: any;
      for (const widget of (window as unknown as AnyWindow).jupyterapp.shell.widgets('main')) {
        if (widget.context?.path === path) found = widget;
      }
      if (!found) throw new Error(`no widget for ${path}`);
      return new Function('widget', 'arg', fn)(found, arg);
    },
    { path, fn, arg },
  ) as Promise<T>;
}

export async function activate(page: Page, path: string): Promise<void> {
  await onWidget(page, path, 'window.jupyterapp.shell.activateById(widget.id)');
}

export async function closeAll(page: Page): Promise<void> {
  await page.evaluate(async () => {
    const app = (window as unknown as AnyWindow).jupyterapp;
    await app.commands.execute('application:close-all');
  });
}

/** Dismisses any open dialog (e.g. an error report). Returns the dialogs' texts. */
export async function dismissDialogs(page: Page): Promise<string[]> {
  const texts: string[] = [];
  for (let i = 0; i < 5; i++) {
    const dialog = page.locator('.jp-Dialog').first();
    if ((await dialog.count()) === 0) break;
    texts.push((await dialog.innerText()).replace(/\s+/g, ' '));
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached', timeout: 5000 }).catch(() => undefined);
  }
  return texts;
}
