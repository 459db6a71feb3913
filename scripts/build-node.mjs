/**
 * Bundles what each thread starts from (docs/architecture.md "The build"): the `rex` CLI
 * (dist/cli/main.js), every actor's worker (dist/actors/<name>/worker.js) and every piscina
 * thread (dist/actors/<name>/*-pool-thread.js), over tsc's output of the same names. A thread
 * then loads one file, or a few, instead of hundreds of modules (bench/README.md "startup").
 *
 * Bundled: our code and the pure-JS packages every run loads (BUNDLED). Every other dependency
 * stays external, loaded from node_modules as before: those with wasm, native or asset files, and
 * those a plain run never loads (ink, fastify, the ClickHouse client, nodemailer, NATS, piscina).
 * Source maps name src/ in stack traces, when on (NODE_OPTIONS=--enable-source-maps; bin/rex.js).
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
const threadEntries = fs.readdirSync(actors).flatMap((actor) =>
  fs
    .readdirSync(path.join(actors, actor))
    .filter((file) => file === 'worker.ts' || file.endsWith('-pool-thread.ts'))
    .map((file) => `src/actors/${actor}/${file}`),
);

/**
 * One build, with code splitting: what an `import()` loads stays a chunk loaded when used, in
 * `chunks` (under dist/). `distFromHere` is how src/runtime/dist-file.ts finds dist/ from the
 * file it lands in (REX_DIST_FROM_HERE): checked below against where it did land.
 */
async function bundle(entryPoints, { chunks, distFromHere }) {
  const { metafile } = await build({
    absWorkingDir: root,
    entryPoints,
    outdir: path.join(root, 'dist'),
    outbase: 'src',
    chunkNames: `${chunks}/[name]-[hash]`,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external,
    tsconfig: 'tsconfig.build.json',
    plugins: [rxjsModules, zodEnglishOnly],
    define: { REX_DIST_FROM_HERE: JSON.stringify(distFromHere) },
    sourcemap: true,
    minifyWhitespace: true,
    charset: 'ascii',
    sourcesContent: false,
    metafile: true,
    logLevel: 'warning',
    // CommonJS packages bundled into ESM (commander) still call require() for Node's own modules.
    banner: { js: "import { createRequire as __rexRequire } from 'node:module'; const require = __rexRequire(import.meta.url);" },
  });
  for (const [file, out] of Object.entries(metafile.outputs)) {
    if (!out.inputs['src/runtime/dist-file.ts']) continue;
    const found = path.relative(path.dirname(path.resolve(root, file)), path.join(root, 'dist'));
    if (`${found}/` !== distFromHere) throw new Error(`src/runtime/dist-file.ts in ${file} would look for dist/ at ${distFromHere}`);
  }
}

// The CLI: each command and what only it uses (ink, fastify, export's formats) is a chunk loaded
// when used, one folder deep like cli/main.js.
// prestart.ts is bin/rex.js's first step: its own small entry, sharing its modules (the threads it
// started) with the CLI's through the chunks.
await bundle(['src/cli/main.ts', 'src/cli/prestart.ts'], { chunks: 'chunks', distFromHere: '../' });
// Each actor's and pool's thread on its own: one file with all it loads at start (fewer files for
// the module loader than chunks shared between threads: ~0.1 s of CPU less per run,
// bench/README.md "startup"), and its lazy imports as chunks beside it.
for (const entry of threadEntries) {
  const chunks = path.relative('src', path.dirname(entry));
  await bundle([entry], { chunks, distFromHere: '../../' });
}
