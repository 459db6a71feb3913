/**
 * Where a file of this build is, by its path under `dist/`: the threads' entries (actors' workers,
 * piscina threads), the browser view, and `../` for the package around it. The one place that
 * knows the layout: `npm run build` (scripts/build-node.mjs) bundles the entries and puts shared
 * code in `dist/chunks/`, one folder below `dist/` like this file's own `dist/runtime/`, so the
 * same `../` finds `dist/` from tsc's output and from the bundle (the build checks that this module
 * lands at that depth). Under tests that import `src/` directly, it is `src/`.
 */
const DIST = new URL('../', import.meta.url);

export function distFile(relative: string): URL {
  return new URL(relative, DIST);
}

/**
 * Node's flags for a thread or process started from this build: source maps on when this one has
 * them (bin/rex.js turns them on), so that stack traces name src/ rather than the bundle's chunks.
 */
export function sourceMapFlags(): string[] {
  return process.sourceMapsEnabled ? ['--enable-source-maps'] : [];
}
