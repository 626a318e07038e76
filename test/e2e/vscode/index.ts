/**
 * Runs the end-to-end scenarios inside VS Code (the extension host's web worker) with mocha's browser build and
 * the spec reporter, whose output reaches the orchestrator's terminal through the console.
 */
import 'mocha/mocha.js';
import { ignoreIpynbWorkerErrors } from '../../../extension/test/vscode/support/ipynb-worker-errors.js';

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
