/**
 * Runs the suite inside VS Code (the extension host's web worker): mocha's browser build, the spec
 * reporter (its output reaches the runner's terminal through the console), every `*.test.ts` here.
 */
import 'mocha/mocha.js';
import { testEnvironment } from './support/environment.js';
import { ignoreIpynbWorkerErrors } from './support/ipynb-worker-errors.js';

declare const require: {
  context(path: string, deep: boolean, filter: RegExp): { keys(): string[]; (id: string): unknown };
};

export async function run(): Promise<void> {
  const { grep } = await testEnvironment();
  return new Promise((resolve, reject) => {
    mocha.setup({ ui: 'bdd', reporter: 'spec', timeout: 60_000, color: false, ...(grep ? { grep } : {}) });
    ignoreIpynbWorkerErrors();
    const tests = require.context('.', true, /\.test\.ts$/);
    tests.keys().forEach((key) => tests(key));
    try {
      mocha.run((failures) => (failures > 0 ? reject(new Error(`${failures} tests failed`)) : resolve()));
    } catch (error) {
      reject(error as Error);
    }
  });
}
