/**
 * What a plain `rex run` loads (issue 15, start-up): every module costs each thread that loads it
 * at start, and a run starts five, so what a run does not use is loaded when it is used. Every
 * thread's modules are recorded by a module hook (test/fixtures/module-log) that the actors'
 * worker threads inherit through NODE_OPTIONS: one line per module per thread. The build is a
 * bundle (scripts/build-node.mjs): a chunk of dist/ is known by its source map's sources.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { expect, it } from 'vitest';
import { PY_FIXTURES, REPO_ROOT, freePort, onlyOutput, runRex, workspace } from '../helpers/rex-cli.js';

const HOOK = pathToFileURL(path.join(REPO_ROOT, 'test/fixtures/module-log/register.mjs')).href;
const DIST = pathToFileURL(path.join(REPO_ROOT, 'dist')).href;

/** Loaded only when used: -i (ink, react, the view), serve (fastify, the gateway), ClickHouse, e-mail, the fleet (NATS), big lines and files (piscina), export. */
const NOT_IN_A_PLAIN_RUN = [
  /node_modules\/(ink|react|fastify|@fastify\/[^/]+|@clickhouse\/[^/]+|@nats-io\/[^/]+|piscina|h5wasm|parquet-wasm|apache-arrow)\//,
  /node_modules\/nodemailer\/lib\/nodemailer\.js$/,
  // our own code of the same: the TUI, serve, export, and the threads of the actors a plain run
  // does not start (the host may use their public index: bus messages, small helpers)
  /^src\/(view\/(components|model|terminal|view-controller)|host\/serve\/run-launcher|cli\/(export|serve-command))/,
  /^src\/actors\/(http-gateway|clickhouse-writer|mailer|fleet-station|fleet-replicator)\/(actor|worker|app)\.ts$/,
  // the bus's topic table and its zod schemas: loaded only when the hub validates (REX_BUS_VALIDATE=1)
  /^src\/bus\/(topics|payloads)\.ts$/,
  /^src\/actors\/[^/]+\/messages\.ts$/,
  // zod: the config file and --config are checked with it when there is one (not here: the
  // built-in defaults, no --config)
  /^node_modules\/zod\//,
];

/** The sources a file of dist/ was built from, relative to the repository (a tsc module: itself). */
function sourcesOf(url: string): string[] {
  const file = fileURLToPath(url);
  const map = JSON.parse(fs.readFileSync(`${file}.map`, 'utf8')) as { sources: string[] };
  return map.sources.map((source) =>
    path.relative(REPO_ROOT, path.resolve(path.dirname(file), source)).replace(/^.*node_modules\//, 'node_modules/'),
  );
}

it("a run without -i, e-mail, ClickHouse or a config file loads no TUI, HTTP, mail, database, pool or validation code; each actor's thread starts once", async () => {
  const ws = workspace();
  const moduleLog = path.join(ws.dir, 'modules.txt');
  const args = ['run', path.join(PY_FIXTURES, 'scalars.py'), '-o', ws.outputDir, '-P', String(await freePort())];
  // As a lab runs it: without the tests' bus validation (vitest.config.ts).
  const env = { NODE_OPTIONS: `--import=${HOOK}`, REX_MODULE_LOG: moduleLog, REX_BUS_VALIDATE: '0' };
  const { code, stderr } = await runRex(ws, args, { env });
  expect(code, stderr).toBe(0);
  const toml = onlyOutput(ws.outputDir);
  expect(toml.device.daq.data.counts.data).toEqual([0.5, 1.5, 2.5, 3.5, 4.5]);
  expect(toml.results.mean_counts.result_value).toBe(2.5);

  const loaded = fs.readFileSync(moduleLog, 'utf8').split('\n').filter(Boolean);
  // The hook saw the actors' threads, not only the main one. Each started once: the thread
  // bin/rex.js started ahead (src/cli/prestart.ts) is the one the supervisor used.
  for (const actor of ['ingest', 'store', 'file-writer', 'controller']) {
    const worker = `${DIST}/actors/${actor}/worker.js`;
    expect(loaded.filter((url) => url === worker)).toHaveLength(1);
  }
  // Each load of a file of ours counts its sources once: a source loaded by N threads counts N.
  const sources = loaded.flatMap((url) => (url.startsWith(`${DIST}/`) ? sourcesOf(url) : [url]));
  expect(sources.filter((source) => NOT_IN_A_PLAIN_RUN.some((pattern) => pattern.test(source)))).toEqual([]);
  // What the build bundles is never loaded from node_modules beside it.
  expect(loaded.filter((url) => /node_modules\/(zod|rxjs|commander|smol-toml)\//.test(url))).toEqual([]);
});
