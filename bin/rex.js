#!/usr/bin/env node
// Thin launcher: the CLI is compiled to dist/ on `npm install` (the `prepare` script).
import('../dist/cli/main.js').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND') {
    console.error('rex: dist/ is missing; run `npm run build` (npm install does it for you).');
    process.exit(70);
  }
  throw err;
});
