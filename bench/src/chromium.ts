/**
 * The Chromium that every browser test and benchmark drives (VS Code for the web, JupyterLab, the end-to-end
 * run, the sealed client costs): Debian's package, since playwright cannot download its own browser here,
 * unless ENCLAVE_CHROMIUM names another. Kept in bench because test depends on bench (not the reverse);
 * test re-exports it as `@enclave/test/chromium`.
 */
export const CHROMIUM_EXECUTABLE =
  process.env['ENCLAVE_CHROMIUM'] ?? process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/** Headless, no GPU or sandbox (containers have neither), and nothing that reaches beyond loopback. */
export const CHROMIUM_FLAGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
