// Lint enforces the layering (see README "Architecture"), not goodwill:
//   shared/            imports nothing outside shared/ (no Node, no DOM-only code)
//   electron/core, electron/server  never import 'electron'
//   renderer/          never imports Node built-ins or anything under electron/
// and fails on focused or skipped tests.
import tseslint from 'typescript-eslint';

const NODE_BUILTINS = [
  'assert', 'buffer', 'child_process', 'cluster', 'crypto', 'dgram', 'dns', 'events', 'fs', 'fs/promises', 'http', 'http2',
  'https', 'module', 'net', 'os', 'path', 'perf_hooks', 'process', 'readline', 'stream', 'tls', 'url', 'util', 'v8', 'vm',
  'worker_threads', 'zlib',
];
const nodeBuiltinPatterns = [{ group: ['node:*'], message: 'The renderer has no Node: talk to the engine through renderer/src/api.ts.' }];

const noElectron = {
  paths: [{ name: 'electron', message: 'electron/core and electron/server run under plain Node; only electron/main may import electron.' }],
};
const noElectronSyntax = [
  {
    selector: "CallExpression[callee.name='require'][arguments.0.value='electron']",
    message: 'electron/core and electron/server never load electron.',
  },
  { selector: "ImportExpression[source.value='electron']", message: 'electron/core and electron/server never load electron.' },
];
const noFocusedOrSkipped = [
  {
    selector:
      "CallExpression[callee.type='MemberExpression'][callee.object.name=/^(it|test|describe|suite|bench)$/][callee.property.name=/^(only|skip|todo|skipIf|runIf)$/]",
    message: 'No focused, skipped or conditional tests: every test runs everywhere.',
  },
  { selector: "CallExpression[callee.name=/^(xit|xdescribe|fit|fdescribe|xtest)$/]", message: 'No focused or skipped tests.' },
];

export default tseslint.config(
  { ignores: ['dist/**', 'release/**', 'native/**', 'node_modules/**', 'test-results/**', 'coverage/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['electron', ...NODE_BUILTINS],
          patterns: [
            { group: ['node:*'], message: 'shared/ runs everywhere: no Node built-ins.' },
            { group: ['../*', '!./*'], message: 'shared/ imports nothing outside shared/.' },
            { group: ['**/electron/**', '**/renderer/**'], message: 'shared/ imports nothing outside shared/.' },
          ],
        },
      ],
      'no-restricted-globals': ['error', 'window', 'document', 'process', 'require', '__dirname', 'Buffer'],
    },
  },
  {
    files: ['electron/core/**/*.ts', 'electron/server/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', noElectron],
      'no-restricted-syntax': ['error', ...noElectronSyntax],
    },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['electron', ...NODE_BUILTINS],
          patterns: [
            ...nodeBuiltinPatterns,
            { group: ['**/electron/**', '**/electron'], message: 'The renderer reaches the engine only through renderer/src/api.ts.' },
          ],
        },
      ],
      'no-restricted-globals': ['error', 'process', 'require', '__dirname', 'Buffer'],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      'no-restricted-syntax': ['error', ...noFocusedOrSkipped],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['scripts/**/*.mjs', 'bin/**/*.js', '*.mjs', '*.mts'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', fetch: 'readonly', AbortSignal: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
