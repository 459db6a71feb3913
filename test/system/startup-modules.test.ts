/**
 * What a plain `rex run` loads (issue 15, start-up): every module costs each thread that loads it
 * at start, and a run starts five, so what a run does not use is loaded when it is used. Every
 * thread's modules are recorded by a module hook (test/fixtures/module-log) that the actors'
 * worker threads inherit through NODE_OPTIONS.
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, it } from 'vitest';
import { PY_FIXTURES, REPO_ROOT, freePort, onlyOutput, runRex, workspace } from '../helpers/rex-cli.js';

const HOOK = pathToFileURL(path.join(REPO_ROOT, 'test/fixtures/module-log/register.mjs')).href;

/** Loaded only when used: -i (ink, react), serve (fastify), ClickHouse, the fleet (NATS), e-mail, big lines and files (piscina). */
const NOT_IN_A_PLAIN_RUN = [
  /\/node_modules\/(ink|react|fastify|@fastify\/[^/]+|@clickhouse\/[^/]+|@nats-io\/[^/]+|piscina)\//,
  /\/node_modules\/nodemailer\/lib\/nodemailer\.js$/,
  // The NATS client: only with [fleet].
  /\/node_modules\/@nats-io\//,
  // rxjs comes from its one-file bundle (src/runtime/rx.ts), not its entry of some 250 files.
  /\/node_modules\/rxjs\/dist\/(cjs|esm|esm5)\//,
];

it('a run without -i, e-mail or ClickHouse loads no TUI, HTTP, mail, database or pool package, nor the rxjs entry', async () => {
  const ws = workspace();
  const moduleLog = path.join(ws.dir, 'modules.txt');
  const args = ['run', path.join(PY_FIXTURES, 'scalars.py'), '-o', ws.outputDir, '-P', String(await freePort())];
  const { code, stderr } = await runRex(ws, args, { env: { NODE_OPTIONS: `--import=${HOOK}`, REX_MODULE_LOG: moduleLog } });
  expect(code, stderr).toBe(0);
  const toml = onlyOutput(ws.outputDir);
  expect(toml.device.daq.data.counts.data).toEqual([0.5, 1.5, 2.5, 3.5, 4.5]);
  expect(toml.results.mean_counts.result_value).toBe(2.5);

  const loaded = fs.readFileSync(moduleLog, 'utf8').split('\n');
  // The hook saw the actors' threads, not only the main one.
  for (const actor of ['ingest', 'store', 'file-writer', 'controller']) {
    expect(loaded).toContain(pathToFileURL(path.join(REPO_ROOT, `dist/actors/${actor}/worker.js`)).href);
  }
  expect(loaded.filter((url) => NOT_IN_A_PLAIN_RUN.some((pattern) => pattern.test(url)))).toEqual([]);
});
