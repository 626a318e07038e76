/**
 * @jupyter/ydoc builds each new cell's Y types before they are inserted and reads them meanwhile; yjs 13.6
 * warns once per such read ("Invalid access: ..."), hundreds of lines for one notebook. The reads return
 * what was just set, so while cells are built that one message is dropped; every other warning passes.
 */
export const PREMATURE_ACCESS_WARNING = 'Invalid access: Add Yjs type to a document before reading data.';

export function withoutPrematureAccessWarnings<T>(action: () => T): T {
  // Redefined rather than assigned: VS Code's extension host makes console.warn an accessor whose getter
  // keeps returning its own forwarder, so a plain assignment is silently without effect there.
  const original = Object.getOwnPropertyDescriptor(console, 'warn');
  const warn = console.warn;
  try {
    Object.defineProperty(console, 'warn', {
      configurable: true,
      enumerable: original?.enumerable ?? true,
      writable: true,
      value: (...args: unknown[]) => {
        if (!args.some((arg) => typeof arg === 'string' && arg.includes(PREMATURE_ACCESS_WARNING)))
          warn.apply(console, args);
      },
    });
  } catch {
    return action(); // a console that cannot be redefined: the warnings stay
  }
  try {
    return action();
  } finally {
    if (original) Object.defineProperty(console, 'warn', original);
    else Reflect.deleteProperty(console, 'warn');
  }
}
