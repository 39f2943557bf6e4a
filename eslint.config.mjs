// Lint enforces the layering (see README "Architecture"), not goodwill. Every import points down:
//   shared/            imports nothing outside shared/ (no Node, no DOM-only code)
//   electron/core/     shared/ and itself; never 'electron', main/, server/, preload/, renderer/,
//                      bench/; inside it, each folder only what lies below it:
//                        xml < hosts < collectors < store, inventory < pipeline, handlers < engine.ts
//   electron/server/   core/ and shared/; never 'electron', main/, preload/, renderer/, bench/
//   electron/main/     core/ and shared/; never server/, renderer/, bench/
//   electron/preload/  'electron' and shared/ types only
//   renderer/          shared/ only: no Node built-ins, nothing under electron/
// and fails on focused or skipped tests.
import tseslint from 'typescript-eslint';

const NODE_BUILTINS = [
  'assert',
  'buffer',
  'child_process',
  'cluster',
  'crypto',
  'dgram',
  'dns',
  'events',
  'fs',
  'fs/promises',
  'http',
  'http2',
  'https',
  'module',
  'net',
  'os',
  'path',
  'perf_hooks',
  'process',
  'readline',
  'stream',
  'tls',
  'url',
  'util',
  'v8',
  'vm',
  'worker_threads',
  'zlib',
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
/** A relative import of one of these folders or modules, from any depth. */
const up = (names) => ({
  regex: `^(?:\\./|(?:\\.\\./)+)(?:${names.join('|')})(?:/|$)`,
  message: `Imports point down the layers (README "Architecture"): not ${names.join(', ')} from here.`,
});
/** Above electron/core: the shells, the renderer and the benchmarks. */
const ABOVE_CORE = ['main', 'server', 'preload', 'renderer', 'bench', 'electron/main', 'electron/server', 'electron/preload'];
/** electron/core's own layers, and what each may not import (whatever lies above it). */
const CORE_TOP = ['engine', 'collection-loop'];
const CORE_LAYERS = {
  xml: [
    'hosts',
    'collectors',
    'store',
    'inventory',
    'pipeline',
    'handlers',
    'fleet',
    'bus',
    'events',
    'alerts',
    'failures',
    'notify',
    'compliance',
    'reports',
    'sources',
    ...CORE_TOP,
  ],
  hosts: [
    'collectors',
    'store',
    'inventory',
    'pipeline',
    'handlers',
    'fleet',
    'bus',
    'events',
    'alerts',
    'failures',
    'notify',
    'compliance',
    'reports',
    ...CORE_TOP,
  ],
  collectors: [
    'store',
    'inventory',
    'pipeline',
    'handlers',
    'fleet',
    'events',
    'alerts',
    'failures',
    'notify',
    'compliance',
    'reports',
    'sources',
    ...CORE_TOP,
  ],
  store: [
    'hosts',
    'collectors',
    'inventory',
    'pipeline',
    'handlers',
    'fleet',
    'events',
    'alerts',
    'failures',
    'notify',
    'compliance',
    'reports',
    'sources',
    ...CORE_TOP,
  ],
  inventory: [
    'hosts',
    'collectors',
    'store',
    'pipeline',
    'handlers',
    'fleet',
    'events',
    'alerts',
    'failures',
    'notify',
    'compliance',
    'reports',
    'sources',
    ...CORE_TOP,
  ],
  // The alert engine: rules, lifecycle, noise control. Reads and writes its tables through store/;
  // hands notifications to a sink it is given, so it never imports notify/.
  alerts: [
    'hosts',
    'collectors',
    'inventory',
    'pipeline',
    'handlers',
    'fleet',
    'events',
    'failures',
    'notify',
    'compliance',
    'reports',
    'sources',
    ...CORE_TOP,
  ],
  // Notification sinks (notify-send, webhook) and their dispatcher: know the Notification type only.
  notify: ['hosts', 'collectors', 'store', 'inventory', 'pipeline', 'handlers', 'fleet', 'events', 'failures', 'compliance', 'reports', 'sources', ...CORE_TOP],
  // Failure detectors: read hosts (kernel log), parse, record in store/, speak the alerts' Signal.
  failures: ['inventory', 'pipeline', 'handlers', 'fleet', 'events', 'notify', 'compliance', 'reports', 'sources', ...CORE_TOP],
  // Compliance audits: policies, probes over hosts (batched), verdicts with evidence, runs in store/.
  compliance: ['inventory', 'pipeline', 'handlers', 'fleet', 'events', 'alerts', 'failures', 'notify', 'reports', 'sources', ...CORE_TOP],
  // Reports: one model from stored runs, formats as pure renderers (PDF through a printer it is given).
  reports: ['hosts', 'collectors', 'inventory', 'pipeline', 'handlers', 'fleet', 'events', 'alerts', 'failures', 'notify', 'sources', ...CORE_TOP],
  // Other node sources (Prometheus-compatible engines, exporters): read hosts and the store.
  sources: ['inventory', 'pipeline', 'handlers', 'fleet', 'events', 'alerts', 'failures', 'notify', 'compliance', 'reports', ...CORE_TOP],
  pipeline: ['handlers', ...CORE_TOP],
  handlers: ['pipeline', ...CORE_TOP],
};
const coreImports = (extra) => ['error', { ...noElectron, patterns: [up(ABOVE_CORE), ...(extra.length ? [up(extra)] : [])] }];

const noFocusedOrSkipped = [
  {
    selector:
      "CallExpression[callee.type='MemberExpression'][callee.object.name=/^(it|test|describe|suite|bench)$/][callee.property.name=/^(only|skip|todo|skipIf|runIf)$/]",
    message: 'No focused, skipped or conditional tests: every test runs everywhere.',
  },
  { selector: 'CallExpression[callee.name=/^(xit|xdescribe|fit|fdescribe|xtest)$/]', message: 'No focused or skipped tests.' },
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
    files: ['electron/core/**/*.ts'],
    ignores: ['electron/core/engine.ts'],
    rules: { 'no-restricted-imports': coreImports(CORE_TOP) },
  },
  { files: ['electron/core/engine.ts'], rules: { 'no-restricted-imports': coreImports([]) } },
  ...Object.entries(CORE_LAYERS).map(([layer, forbidden]) => ({
    files: [`electron/core/${layer}/**/*.ts`],
    rules: { 'no-restricted-imports': coreImports(forbidden) },
  })),
  {
    files: ['electron/server/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { ...noElectron, patterns: [up(['main', 'preload', 'renderer', 'bench'])] }] },
  },
  {
    files: ['electron/main/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [up(['server', 'preload', 'renderer', 'bench'])] }] },
  },
  {
    files: ['electron/preload/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: NODE_BUILTINS,
          patterns: [up(['core', 'main', 'server', 'renderer', 'bench']), { group: ['node:*'], message: 'The sandboxed preload has no Node.' }],
        },
      ],
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
