// Lint, including the layer rules of ../shared/STYLE.md: the folder says where code runs.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

/** `paths`/`patterns` for no-restricted-imports, with the reason shown to whoever breaks the rule. */
const forbid = (names, patterns, message) => ({
  'no-restricted-imports': [
    'error',
    {
      paths: names.map((name) => ({ name, message })),
      patterns: patterns.map((group) => ({ group: [group], message })),
    },
  ],
});

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'out/', 'release/', 'test-results/', 'playwright-report/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs['flat/recommended'],
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // Components and the `*.svelte.ts` state classes (runes) both go through svelte-eslint-parser with TypeScript.
    files: ['renderer/**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
  },
  // GitHub Desktop's rule (../shared/STYLE.md): raw IPC only in the door's two ends, so every message
  // goes through the contract and the sender check. Before the layer rules below: for the same file a
  // later no-restricted-imports replaces an earlier one, and those layers ban `electron` outright.
  {
    files: ['**/*.{js,mjs,cjs,ts,svelte}'],
    ignores: ['electron/ipc.ts', 'electron/preload.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'electron',
              // `default` too: `import electron from 'electron'` would reach electron.ipcMain.
              importNames: ['ipcMain', 'ipcRenderer', 'default'],
              message:
                'Only electron/ipc.ts (ipcMain) and electron/preload.ts (ipcRenderer) touch raw IPC; ' +
                'everything else goes through the contract (shared/door.ts). Import named members only.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['shared/**'],
    rules: forbid(
      [...nodeBuiltins, 'electron', 'undici', '@napi-rs/keyring'],
      ['**/electron/**', '**/renderer/**', 'node:*'],
      'shared/ is pure TypeScript: no Node, DOM or Electron imports (../shared/STYLE.md).',
    ),
  },
  {
    files: ['renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: forbid(
      [...nodeBuiltins, 'electron'],
      ['**/electron/**', 'node:*'],
      'renderer/ talks only to the contract in shared/; it never imports electron/ or Node.',
    ),
  },
  {
    files: [
      'electron/core/**',
      'electron/sandbox/**',
      'electron/cli.ts',
      'electron/cli/**',
      'electron/serve.ts',
      'electron/first-run.ts',
    ],
    rules: forbid(
      ['electron'],
      ['electron/*'],
      'The engine, the sandbox, the CLI and browser mode run in plain Node: no `electron` import.',
    ),
  },
);
