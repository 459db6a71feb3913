/**
 * Builds the browser view (docs/web.md): bundles src/web/main.tsx, with Preact, uPlot and uPlot's
 * CSS, into dist/web/app.js and dist/web/app.css, and copies src/web/index.html beside them.
 * Nothing is loaded from elsewhere at run time; the gateway serves these three files at /ui/.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(root, 'dist', 'web');

await build({
  absWorkingDir: root,
  entryPoints: { app: 'src/web/main.tsx' },
  outdir,
  bundle: true,
  format: 'esm',
  minify: true,
  sourcemap: false,
  target: 'es2022',
  tsconfig: 'tsconfig.web.json',
  legalComments: 'none',
  logLevel: 'warning',
});
fs.copyFileSync(path.join(root, 'src', 'web', 'index.html'), path.join(outdir, 'index.html'));
