/**
 * Debian's Chromium driven by playwright-core (no browser download), opened on a JupyterLab, with helpers
 * that reach the app through `window.jupyterapp` (the server runs with expose_app_in_browser).
 */
import { type Browser, chromium, type Page } from 'playwright-core';
import { CHROMIUM_EXECUTABLE, CHROMIUM_FLAGS } from '@enclave/test/chromium';

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_EXECUTABLE, args: [...CHROMIUM_FLAGS] });
}

export interface LabPage {
  readonly page: Page;
  /** Console messages seen so far (type: text). */
  readonly console: string[];
}

/** Opens JupyterLab and waits until the app is restored and the Enclave plugin is active. */
export async function openLab(browser: Browser, url: string, token: string): Promise<LabPage> {
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  const console: string[] = [];
  page.on('console', (message) => console.push(`${message.type()}: ${message.text()}`));
  page.on('pageerror', (error) => console.push(`pageerror: ${error.message}`));
  await page.goto(`${url}/lab?token=${token}`);
  await waitForApp(page);
  return { page, console };
}

export async function waitForApp(page: Page): Promise<void> {
  await page.waitForFunction(
    () => {
      const app = (
        window as unknown as {
          jupyterapp?: {
            restored?: Promise<void>;
            hasPlugin(id: string): boolean;
            isPluginActivated?(id: string): boolean;
          };
        }
      ).jupyterapp;
      return (
        !!app &&
        app.hasPlugin('@enclave/jupyter-plugin:plugin') &&
        (app.isPluginActivated?.('@enclave/jupyter-plugin:ui') ?? true)
      );
    },
    undefined,
    { timeout: 60_000 },
  );
  await page.evaluate(async () => {
    await (window as unknown as { jupyterapp: { restored: Promise<void> } }).jupyterapp.restored;
  });
}
