/**
 * @vscode/test-web launches Chromium through playwright with no way to pass an executable or a profile.
 * This redirects its launch to Debian's /usr/bin/chromium (playwright's own browser download is not
 * possible here) with a persistent profile that allows third-party cookies, without which VS Code for
 * the web cannot show a notebook editor.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { CHROMIUM_EXECUTABLE, CHROMIUM_FLAGS } from '@enclave/test/chromium';

interface LaunchOptions {
  args?: string[];
  headless?: boolean;
}

interface BrowserTypeLike {
  launch(options?: LaunchOptions): Promise<unknown>;
  launchPersistentContext(dir: string, options: Record<string, unknown>): Promise<{ close(): Promise<void> }>;
}

export async function useSystemChromium(profileDir: string): Promise<void> {
  await mkdir(join(profileDir, 'Default'), { recursive: true });
  await writeFile(
    join(profileDir, 'Default', 'Preferences'),
    JSON.stringify({ profile: { cookie_controls_mode: 0, block_third_party_cookies: false } }),
  );
  // The same playwright module instance that @vscode/test-web requires.
  const requireFromTestWeb = createRequire(createRequire(import.meta.url).resolve('@vscode/test-web'));
  const chromium = (requireFromTestWeb('playwright') as { chromium: BrowserTypeLike }).chromium;
  chromium.launch = async (options: LaunchOptions = {}) => {
    const context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM_EXECUTABLE,
      headless: true,
      args: [...CHROMIUM_FLAGS, ...(options.args ?? []).filter((arg) => arg !== '--no-sandbox')],
      viewport: null,
    });
    // test-web asks the "browser" for a context and closes the browser when done.
    return { newContext: async () => context, close: () => context.close() };
  };
}
