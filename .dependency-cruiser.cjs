/**
 * The import rules of docs/architecture.md, as code (`npm run lint:deps`, part of `npm test`).
 * Where a file runs is told by its path (src/host: a command's main thread, src/actors/<name>:
 * that actor's worker thread, src/view: the `rex view` program, ...); these rules keep each
 * part from reaching into another's internals. Tests are free.
 */
const IO_MODULES = '^(node:)?(fs|fs/promises|net|tls|http|https|http2|dgram|child_process|worker_threads|cluster|readline|os)$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'protocol-is-pure',
      comment: 'src/protocol is pure: it imports nothing of ours outside src/protocol.',
      severity: 'error',
      from: { path: '^src/protocol/' },
      to: { path: '^src/', pathNot: '^src/protocol/' },
    },
    {
      name: 'protocol-has-no-io',
      comment: 'src/protocol does no I/O: no file system, network, processes or threads.',
      severity: 'error',
      from: { path: '^src/protocol/' },
      to: { dependencyTypes: ['core'], path: IO_MODULES },
    },
    {
      name: 'bus-knows-actors-by-messages',
      comment: 'The bus knows an actor only through its message declarations (messages.ts).',
      severity: 'error',
      from: { path: '^src/bus/' },
      to: { path: '^src/actors/[^/]+/', pathNot: '^src/actors/[^/]+/messages\\.ts$' },
    },
    {
      name: 'bus-below-host-cli-view',
      comment: 'The bus is plumbing: it does not know who hosts it.',
      severity: 'error',
      from: { path: '^src/(bus|runtime)/' },
      to: { path: '^src/(host|cli|view)/' },
    },
    {
      name: 'runtime-knows-no-actor',
      comment: 'src/runtime is shared plumbing: it depends on no actor.',
      severity: 'error',
      from: { path: '^src/runtime/' },
      to: { path: '^src/actors/' },
    },
    {
      name: 'no-actor-imports-another',
      comment: 'An actor talks to another only over the bus, never by importing it.',
      severity: 'error',
      from: { path: '^src/actors/([^/]+)/' },
      to: { path: '^src/actors/', pathNot: '^src/actors/$1/' },
    },
    {
      name: 'actors-run-in-their-worker',
      comment: "An actor does not reach the main thread's code (host, CLI) or the view program.",
      severity: 'error',
      from: { path: '^src/actors/' },
      to: { path: '^src/(host|cli|view)/' },
    },
    {
      name: 'host-and-cli-through-public-entry',
      comment: 'The host, the CLI and the view use an actor only through its public entry (index.ts).',
      severity: 'error',
      from: { path: '^src/(host|cli|view)/' },
      to: { path: '^src/actors/[^/]+/', pathNot: '^src/actors/[^/]+/index\\.ts$' },
    },
    {
      name: 'view-is-its-own-program',
      comment: 'The view reaches a run over TCP or HTTP, never through the host or the bus.',
      severity: 'error',
      from: { path: '^src/view/' },
      to: { path: '^src/(host|bus|cli)/' },
    },
    {
      name: 'web-is-the-browser',
      comment: 'src/web runs in the browser: it reaches a run over HTTP only and imports nothing of ours outside src/web.',
      severity: 'error',
      from: { path: '^src/web/' },
      to: { path: '^src/', pathNot: '^src/web/' },
    },
    {
      name: 'web-has-no-node',
      comment: 'A browser has no Node modules.',
      severity: 'error',
      from: { path: '^src/web/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'src-not-to-test-or-bench',
      comment: 'Production code never imports tests, fixtures or benchmarks.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|bench)/' },
    },
    {
      name: 'no-circular',
      comment: 'A cycle makes load order (and worker start-up) fragile.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'not-to-dev-dep',
      comment: 'What ships in dist/ may not need a devDependency (src/web ships as a bundle built with them).',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/web/' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules|test/harness)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.d.ts'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
