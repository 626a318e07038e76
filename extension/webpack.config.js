// One bundle for desktop and web VS Code (a web worker target: no Node APIs), plus the test suite and the
// benchmark that run inside VS Code. `vscode` is provided by the host.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(fileURLToPath(import.meta.url));

/** @param {string} entry @param {string} file @param {string} configFile */
function bundle(entry, file, configFile) {
  return {
    target: 'webworker',
    context: root,
    entry,
    output: { path: path.resolve(root, 'dist'), filename: file, library: { type: 'commonjs2' } },
    externals: { vscode: 'commonjs vscode' },
    resolve: {
      extensions: ['.ts', '.js'],
      extensionAlias: { '.js': ['.ts', '.js'] },
      mainFields: ['browser', 'module', 'main'],
      conditionNames: ['browser', 'import', 'module', 'default'],
      fallback: {},
    },
    module: {
      rules: [
        { test: /\.ts$/, exclude: /node_modules/, loader: 'ts-loader', options: { configFile, transpileOnly: true } },
      ],
    },
    performance: { hints: false },
    devtool: 'nosources-source-map',
    infrastructureLogging: { level: 'warn' },
  };
}

export default (_env, argv) => {
  const configs = [bundle('./src/extension.ts', 'extension.cjs', path.resolve(root, 'tsconfig.json'))];
  if (argv.mode !== 'production') {
    const tests = path.resolve(root, 'tsconfig.vscode-test.json');
    configs.push(bundle('./test/vscode/index.ts', 'test/suite.cjs', tests));
    configs.push(bundle('./test/bench/index.ts', 'test/bench.cjs', tests));
  }
  return configs;
};
