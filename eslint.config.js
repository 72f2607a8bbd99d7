// Lint, including the layer rules of ../shared/STYLE.md: the folder says where code runs.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import importX from 'eslint-plugin-import-x';
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
    // CommonJS on purpose (the CLI's loader and its code-cache maker: bin/oslc-admin.cjs says why).
    files: ['**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
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
    ignores: ['electron/desktop/ipc.ts', 'electron/desktop/preload.ts'],
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
                'Only electron/desktop/ipc.ts (ipcMain) and electron/desktop/preload.ts (ipcRenderer) touch raw IPC; ' +
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
    files: ['electron/core/**', 'electron/sandbox/**', 'electron/cli/**', 'electron/server/**'],
    rules: forbid(
      ['electron'],
      ['electron/*'],
      'The engine, the sandbox, the CLI and browser mode run in plain Node: no `electron` import.',
    ),
  },
  // The folders say where code runs (README "Shape of the code"); each imports only the folders on its
  // list. import-x resolves every relative import to a file, so `../../renderer/x.ts` from any depth is
  // caught, which a pattern over the import text cannot do.
  {
    files: ['electron/**', 'renderer/**', 'shared/**'],
    plugins: { 'import-x': importX },
    rules: { 'import-x/no-restricted-paths': ['error', { zones: layerZones() }] },
  },
);

/**
 * Who may import whom. The sandbox shares two pure helpers with the engine (the RFC 5849 signature
 * base string it verifies with, and the bounded body reader), rather than a second copy of each.
 */
function layerZones() {
  const FOLDERS = [
    'electron/core',
    'electron/sandbox',
    'electron/server',
    'electron/cli',
    'electron/desktop',
    'renderer',
    'shared',
    'test',
    'scripts',
    'build',
    'bin',
  ];
  const ALLOWED = {
    'electron/core': ['shared'],
    'electron/sandbox': ['shared'],
    'electron/server': ['electron/core', 'electron/sandbox', 'shared'],
    'electron/cli': ['electron/core', 'electron/sandbox', 'electron/server', 'shared'],
    'electron/desktop': ['electron/core', 'electron/server', 'shared'],
    renderer: ['shared'],
    shared: [],
  };
  const EXCEPT = { 'electron/sandbox': { 'electron/core': ['./oauth/rfc5849.ts', './config/bounded-read.ts'] } };
  return Object.entries(ALLOWED).flatMap(([target, allowed]) =>
    FOLDERS.filter((from) => from !== target && !allowed.includes(from)).map((from) => ({
      target: `./${target}`,
      from: `./${from}`,
      ...(EXCEPT[target]?.[from] ? { except: EXCEPT[target][from] } : {}),
      message: `${target}/ may import only ${[target, ...allowed, ...Object.keys(EXCEPT[target] ?? {}).map((f) => `${f} (${EXCEPT[target][f].join(', ')})`)].join(', ')} (README, "Shape of the code").`,
    })),
  );
}
