#!/usr/bin/env node
// Thin launcher: the CLI is built into dist/ on `npm install` (the `prepare` script). Source maps
// on before anything of it loads: the build is a bundle (scripts/build-node.mjs), and stack traces
// should name src/; the threads and processes rex starts inherit them (src/runtime/dist-file.ts).
process.setSourceMapsEnabled(true);
import('../dist/cli/main.js').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND') {
    console.error('rex: dist/ is missing; run `npm run build` (npm install does it for you).');
    process.exit(70);
  }
  throw err;
});
