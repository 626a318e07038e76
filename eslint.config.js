// One lint setup for the whole repository (flat config). Type-aware rules stay off to keep lint fast;
// `tsc -b` is the type check.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '**/lib/**',
      '**/out/**',
      '**/.venv/**',
      '**/.venv-*/**',
      '**/.vscode-test*/**',
      '**/.test-artifacts/**',
      'jupyter-plugin/enclave_jupyter/labextension/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser }, ecmaVersion: 2022, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      eqeqeq: ['error', 'always'],
      'no-console': 'off',
    },
  },
  {
    // shared/ runs in Node, browsers and VS Code's web worker: no platform imports or globals.
    files: ['shared/src/**/*.ts'],
    ignores: ['shared/src/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['node:*', 'fs', 'path', 'os', 'ws', 'vscode'], message: 'shared/ must stay platform-neutral' },
            { group: ['@jupyterlab/*', '!@jupyterlab/nbformat'], message: 'shared/ must not depend on JupyterLab' },
          ],
        },
      ],
      'no-restricted-globals': ['error', 'Buffer', 'process', 'require', '__dirname'],
    },
  },
);
