/**
 * @jupyter/ydoc builds each new cell's Y types before inserting them and reads them meanwhile, and yjs 13.6
 * warns once per read ("Invalid access: ..."). The reads return what was just set, so while this binding
 * creates cells (insert, move) that one message is dropped; every other warning passes through.
 */
const PREMATURE_ACCESS = 'Invalid access: Add Yjs type to a document before reading data.';

export function withoutPrematureAccessWarnings<T>(action: () => T): T {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (!args.some((arg) => typeof arg === 'string' && arg.includes(PREMATURE_ACCESS))) warn(...args);
  };
  try {
    return action();
  } finally {
    console.warn = warn;
  }
}
