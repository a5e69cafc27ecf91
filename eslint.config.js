// ESLint flat config.
// - .ts/.svelte: typescript-eslint recommendedTypeChecked via projectService (tsconfig.json).
// - .js/.mjs (configs, scripts, bin): eslint recommended, untyped, Node globals.
// - Layer boundaries: src/core is pure (no DOM, no Node, no app layers, no clock/randomness).
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import svelteConfig from './svelte.config.js';

const tsFiles = ['**/*.ts', '**/*.mts', '**/*.cts'];
const jsFiles = ['**/*.js', '**/*.mjs', '**/*.cjs'];

const nodeBuiltins = builtinModules.filter((m) => !m.startsWith('_'));
const nodeImportBan = {
  paths: nodeBuiltins.map((name) => ({
    name,
    message: 'Node built-ins are not allowed in this layer.',
  })),
  patterns: [
    {
      group: ['node:*'],
      message: 'Node built-ins are not allowed in this layer.',
    },
  ],
};

const clockMsg =
  'src/core must be deterministic: pass the clock in (e.g. a `now: () => number` parameter) instead of reading it.';
const randMsg =
  'src/core must be deterministic: pass randomness in (e.g. a `random: (n: number) => Uint8Array` parameter).';
const envMsg =
  'src/core is pure: no DOM/browser/Node globals. Pass the capability in from src/platform or the caller.';

/** Layers src/core must never import (relative or via any path). */
const forbiddenFromCore = ['ui', 'store', 'net', 'worker', 'server', 'cli', 'platform'];

export default defineConfig(
  {
    ignores: [
      'dist/**',
      'dist-test/**',
      'dist-node/**',
      'node_modules/**',
      'test-results/**',
      'playwright-report/**',
      'scratch/**',
      'coverage/**',
    ],
  },
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },

  // ---- Base rules for everything -------------------------------------------------
  js.configs.recommended,

  // ---- TypeScript (typed) ------------------------------------------------------
  {
    files: [...tsFiles, '**/*.svelte'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        // Ignored by the TS parser itself; lets import-x parse imported .svelte files
        // (svelte-eslint-parser reads parserOptions.parser for <script lang="ts">).
        parser: tseslint.parser,
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
        extraFileExtensions: ['.svelte'],
      },
    },
    rules: {
      // TypeScript already reports undefined names (and knows about types/globals).
      'no-undef': 'off',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_' },
      ],
    },
  },

  // ---- Svelte ------------------------------------------------------------------
  svelte.configs.recommended,
  {
    files: ['**/*.svelte', '**/*.svelte.ts', '**/*.svelte.js'],
    languageOptions: {
      globals: { ...globals.browser },
      parserOptions: {
        parser: tseslint.parser,
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
        extraFileExtensions: ['.svelte'],
        svelteConfig,
      },
    },
  },

  // ---- Plain JS: config files, scripts/, bin/ (untyped, Node) ------------------
  {
    files: jsFiles,
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: {
      globals: { ...globals.node },
    },
  },

  // ---- Imports: cycles + layer zones -------------------------------------------
  {
    files: [...tsFiles, ...jsFiles, '**/*.svelte'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [
        createNodeResolver({
          // Source uses `./foo.js` specifiers that point at `./foo.ts`.
          extensionAlias: { '.js': ['.ts', '.js'], '.mjs': ['.mts', '.mjs'] },
          extensions: ['.ts', '.mts', '.js', '.mjs', '.svelte', '.json', '.node'],
        }),
      ],
      'import-x/extensions': ['.ts', '.mts', '.js', '.mjs', '.svelte'],
      // import-x parses imported files itself (for no-cycle); .svelte needs the svelte parser.
      'import-x/parsers': { 'svelte-eslint-parser': ['.svelte'], '@typescript-eslint/parser': ['.ts', '.mts'] },
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  {
    files: ['src/core/**', 'src/identity/**'],
    rules: {
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            {
              target: './src/core',
              from: forbiddenFromCore.map((l) => `./src/${l}`),
              message:
                'src/core is the bottom layer: it must not import app layers (ui/store/net/worker/server/cli/platform).',
            },
          ],
        },
      ],
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeImportBan.paths.map((p) => ({
              ...p,
              message: 'src/core is pure: no Node built-ins. Put Node code in src/platform/node-*.ts.',
            })),
            ...['idb', 'yjs', 'y-webrtc', 'svelte'].map((name) => ({
              name,
              message: `src/core is pure: '${name}' belongs in an outer layer (store/net/ui).`,
            })),
          ],
          patterns: [
            {
              group: ['node:*'],
              message: 'src/core is pure: no Node built-ins. Put Node code in src/platform/node-*.ts.',
            },
            {
              group: ['svelte/*', 'idb/*', 'yjs/*', 'y-webrtc/*'],
              message: 'src/core is pure: UI/storage/network packages belong in an outer layer.',
            },
            {
              regex: `^(\\.\\./)+(${forbiddenFromCore.join('|')})(/|$)`,
              message:
                'src/core is the bottom layer: it must not import app layers (ui/store/net/worker/server/cli/platform).',
            },
            {
              regex: `(^|/)src/(${forbiddenFromCore.join('|')})(/|$)`,
              message:
                'src/core is the bottom layer: it must not import app layers (ui/store/net/worker/server/cli/platform).',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        ...['window', 'document', 'indexedDB', 'localStorage', 'sessionStorage', 'navigator', 'fetch'].map(
          (name) => ({ name, message: envMsg }),
        ),
        ...['process', 'Buffer', 'require', 'crypto'].map((name) => ({ name, message: envMsg })),
        ...['setTimeout', 'setInterval', 'performance'].map((name) => ({ name, message: clockMsg })),
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: clockMsg },
        { object: 'Math', property: 'random', message: randMsg },
        { object: 'crypto', property: 'getRandomValues', message: randMsg },
        { object: 'performance', property: 'now', message: clockMsg },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "NewExpression[callee.name='Date'][arguments.length=0]",
          message: clockMsg,
        },
        {
          selector: "CallExpression[callee.name='Date']",
          message: clockMsg,
        },
        {
          selector: 'ImportExpression',
          message: 'src/core uses static imports only (dynamic import() bypasses the layer checks).',
        },
      ],
    },
  },
  {
    // Browser code. src/platform may use Node only in files named node-*.ts / *-node.ts.
    files: ['src/ui/**', 'src/worker/**', 'src/platform/**'],
    ignores: ['src/platform/**/node-*.ts', 'src/platform/**/*-node.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeImportBan.paths.map((p) => ({
            ...p,
            message: 'Browser code (src/ui, src/worker, src/platform except node-*.ts/*-node.ts): no Node built-ins.',
          })),
          patterns: [
            {
              group: ['node:*'],
              message: 'Browser code (src/ui, src/worker, src/platform except node-*.ts/*-node.ts): no Node built-ins.',
            },
          ],
        },
      ],
    },
  },
);
