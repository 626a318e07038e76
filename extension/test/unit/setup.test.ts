/**
 * Root hooks for the unit suite: @jupyter/ydoc's cell constructors make yjs 13.6 print "Invalid access"
 * for reads that are harmless there (see src/binding/quiet-ydoc.ts); tests that create cells directly
 * would flood the report with it. Only that message is dropped.
 */
const PREMATURE_ACCESS = 'Invalid access: Add Yjs type to a document before reading data.';
const warn = console.warn;

before(() => {
  console.warn = (...args: unknown[]) => {
    if (!args.some((arg) => typeof arg === 'string' && arg.includes(PREMATURE_ACCESS))) warn(...args);
  };
});

after(() => {
  console.warn = warn;
});
