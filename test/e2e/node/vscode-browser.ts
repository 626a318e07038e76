/**
 * Keeps hold of the page @vscode/test-web opens, so the orchestrator can take screenshots of VS Code:
 * wraps the launch that extension/test/runner/chromium.ts already redirects to /usr/bin/chromium.
 */
import { createRequire } from 'node:module';
import type { BrowserContext, Page } from 'playwright-core';
import { useSystemChromium } from '../../../extension/test/runner/chromium.js';

interface Launcher {
  launch(options?: unknown): Promise<{ newContext(): Promise<BrowserContext>; close(): Promise<void> }>;
}

let context: BrowserContext | undefined;

export async function captureVsCodeBrowser(profileDir: string): Promise<void> {
  await useSystemChromium(profileDir);
  const requireFromTestWeb = createRequire(createRequire(import.meta.url).resolve('@vscode/test-web'));
  const chromium = (requireFromTestWeb('playwright') as { chromium: Launcher }).chromium;
  const launch = chromium.launch.bind(chromium);
  chromium.launch = async (options) => {
    const browser = await launch(options);
    context = await browser.newContext();
    return { newContext: async () => context!, close: () => browser.close() };
  };
}

export function vscodePage(): Page | undefined {
  return context?.pages()[0];
}
