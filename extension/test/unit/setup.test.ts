/**
 * Root hooks for the unit suite: @jupyter/ydoc's cell constructors make yjs 13.6 print "Invalid access"
 * for reads that are harmless there (see shared/src/schema/premature-access.ts); tests that create cells
 * directly would flood the report with it. Only that message is dropped.
 */
import { PREMATURE_ACCESS_WARNING } from '@enclave/shared';

const warn = console.warn;

before(() => {
  console.warn = (...args: unknown[]) => {
    if (!args.some((arg) => typeof arg === 'string' && arg.includes(PREMATURE_ACCESS_WARNING))) warn(...args);
  };
});

after(() => {
  console.warn = warn;
});
