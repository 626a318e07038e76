// Two bundles: the orchestrator (Node; it imports the editors' harness modules from extension/test/runner and
// jupyter-plugin/test/jupyter, whose `import.meta.url` webpack fixes to their source location), and the
// scenarios, which run as mocha tests inside VS Code's extension host (a web worker).
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(fileURLToPath(import.meta.url));
const resolve = { extensions: ['.ts', '.js'], extensionAlias: { '.js': ['.ts', '.js'] } };
const rules = [
  {
    test: /\.ts$/,
    exclude: /node_modules/,
    loader: 'ts-loader',
    options: {
      configFile: path.resolve(root, 'tsconfig.json'),
      transpileOnly: true,
      // ES modules whatever the importing package's type, so webpack sees every import (and import.meta.url).
      compilerOptions: { module: 'esnext', moduleResolution: 'bundler' },
    },
  },
];

export default [
  {
    name: 'orchestrator',
    target: 'node20',
    mode: 'development',
    devtool: false,
    context: root,
    entry: './node/run.ts',
    experiments: { outputModule: true },
    output: { path: path.resolve(root, 'dist'), filename: 'run.mjs', module: true, library: { type: 'module' } },
    // Every package stays a runtime import (node_modules, workspaces); only our own .ts files are bundled.
    externals: [({ request }, callback) => (/^[./]/.test(request) ? callback() : callback(null, `module ${request}`))],
    externalsType: 'module',
    resolve,
    // import.meta.url becomes each module's source location; createRequire stays a runtime call.
    module: { rules, parser: { javascript: { importMeta: true, createRequire: false } } },
    infrastructureLogging: { level: 'warn' },
    stats: 'errors-warnings',
  },
  {
    name: 'scenarios',
    target: 'webworker',
    mode: 'development',
    devtool: 'nosources-source-map',
    context: root,
    entry: './vscode/index.ts',
    output: { path: path.resolve(root, 'host', 'dist'), filename: 'suite.cjs', library: { type: 'commonjs2' } },
    externals: { vscode: 'commonjs vscode' },
    resolve: {
      ...resolve,
      mainFields: ['browser', 'module', 'main'],
      conditionNames: ['browser', 'import', 'module', 'default'],
    },
    module: { rules },
    performance: { hints: false },
    infrastructureLogging: { level: 'warn' },
    stats: 'errors-warnings',
  },
];
