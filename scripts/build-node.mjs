/**
 * Bundles what each thread starts from (docs/architecture.md "The build"): the `rex` CLI
 * (dist/cli/main.js), every actor's worker (dist/actors/<name>/worker.js) and every piscina
 * thread (dist/actors/<name>/*-pool-thread.js), over tsc's output of the same names. One esbuild
 * build with code splitting: code shared by entries is in dist/chunks/ once, and each lazy
 * `import()` stays a chunk of its own, loaded when used. A thread then loads a few files instead of
 * hundreds of modules (bench/README.md "startup").
 *
 * Bundled: our code and the pure-JS packages every run loads (BUNDLED). Every other dependency
 * stays external, loaded from node_modules as before: those with wasm, native or asset files, and
 * those a plain run never loads (ink, fastify, the ClickHouse client, nodemailer, NATS, piscina).
 * Source maps name src/ in stack traces (bin/rex.js turns them on).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BUNDLED = ['commander', 'rxjs', 'smol-toml', 'zod'];

const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const external = Object.keys(pkg.dependencies)
  .filter((name) => !BUNDLED.includes(name))
  .flatMap((name) => [name, `${name}/*`]);

/** rxjs's Node entry is CommonJS, which cannot be tree-shaken: take its ES module build instead. */
const rxjsModules = {
  name: 'rxjs-esm',
  setup(b) {
    b.onResolve({ filter: /^rxjs$/ }, () => ({ path: path.join(root, 'node_modules', 'rxjs', 'dist', 'esm', 'index.js') }));
  },
};

/**
 * zod's namespace re-exports every locale (half of its ~750 kB, parsed by each thread that
 * validates): only English, the one zod itself installs, is kept. rex never picks another.
 */
const zodEnglishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, (args) => ({
      contents: "export { default as en } from './en.js';",
      resolveDir: path.dirname(args.path),
    }));
  },
};

const actors = path.join(root, 'src', 'actors');
const entryPoints = [
  'src/cli/main.ts',
  ...fs.readdirSync(actors).flatMap((actor) =>
    fs
      .readdirSync(path.join(actors, actor))
      .filter((file) => file === 'worker.ts' || file.endsWith('-pool-thread.ts'))
      .map((file) => `src/actors/${actor}/${file}`),
  ),
];

const { metafile } = await build({
  absWorkingDir: root,
  entryPoints,
  outdir: path.join(root, 'dist'),
  outbase: 'src',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external,
  tsconfig: 'tsconfig.build.json',
  plugins: [rxjsModules, zodEnglishOnly],
  sourcemap: true,
  sourcesContent: false,
  metafile: true,
  logLevel: 'warning',
  // CommonJS packages bundled into ESM (commander) still call require() for Node's own modules.
  banner: { js: "import { createRequire as __rexRequire } from 'node:module'; const require = __rexRequire(import.meta.url);" },
});

// src/runtime/dist-file.ts finds dist/ as `../` of its own file: it must land one folder deep.
const home = Object.entries(metafile.outputs).find(([, out]) => out.inputs['src/runtime/dist-file.ts']);
const depth = home && path.relative(path.join(root, 'dist'), path.resolve(root, home[0])).split(path.sep).length;
if (depth !== 2) throw new Error(`src/runtime/dist-file.ts was bundled into ${home?.[0]}, not one folder below dist/`);
