/**
 * Where a file of this build is, by its path under `dist/`: the threads' entries (actors' workers,
 * piscina threads), the browser view, and `../` for the package around it. The one place that
 * knows the layout. From tsc's output (`dist/runtime/dist-file.js`) dist/ is `../`; the bundle
 * (scripts/build-node.mjs) inlines this module into files at other depths and says where dist/ is
 * from there (REX_DIST_FROM_HERE), which the build checks. Under tests that import `src/`
 * directly, it is `src/`.
 */
declare const REX_DIST_FROM_HERE: string | undefined;

const DIST = new URL(typeof REX_DIST_FROM_HERE === 'string' ? REX_DIST_FROM_HERE : '../', import.meta.url);

export function distFile(relative: string): URL {
  return new URL(relative, DIST);
}

/**
 * Node's flags for a rex process started from this one: source maps on when this one has them
 * (`NODE_OPTIONS=--enable-source-maps`, bin/rex.js), so that stack traces name src/ rather than
 * the bundle's chunks; and V8's thread pool size when this one was given it
 * (`node --v8-pool-size=1 bin/rex.js`; in NODE_OPTIONS it reaches children with the environment).
 * Threads need none: they inherit the process's flags.
 */
export function childNodeFlags(): string[] {
  const pool = process.execArgv.find((flag) => flag.startsWith('--v8-pool-size='));
  return [...(process.sourceMapsEnabled ? ['--enable-source-maps'] : []), ...(pool ? [pool] : [])];
}
