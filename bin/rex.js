#!/usr/bin/env node
// Thin launcher: the CLI is built into dist/ on `npm install` (the `prepare` script). For `rex run`
// the actors' threads start first, so that they boot while the CLI loads (src/cli/prestart.ts).
// Source maps are off: on, they cost every thread rex starts ~65 ms of CPU (bench/README.md
// "startup"). `NODE_OPTIONS=--enable-source-maps rex ...` turns them on, so that stack traces
// name src/; the threads and processes rex starts inherit that (src/runtime/dist-file.ts).
import('../dist/cli/prestart.js')
  .then(({ prestartFor }) => prestartFor(process.argv.slice(2)))
  .then(() => import('../dist/cli/main.js'))
  .catch((err) => {
    if (err && err.code === 'ERR_MODULE_NOT_FOUND') {
      console.error('rex: dist/ is missing; run `npm run build` (npm install does it for you).');
      process.exit(70);
    }
    throw err;
  });
