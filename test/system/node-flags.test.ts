/**
 * `node <flags> bin/rex.js …`: a lab gives a big run more heap with `--max-old-space-size`, or a
 * 2-core machine V8's pool of one thread (bench/RESULTS.md). The actors' threads inherit the
 * process's flags; listed explicitly as their execArgv, a V8 flag made every actor fail to start
 * (ERR_WORKER_INVALID_EXEC_ARGV) and rex exit as an internal error. Runs that `rex serve` starts
 * are processes of their own, so the server hands its pool size on (`childNodeFlags`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it, vi } from 'vitest';
import { PY_FIXTURES, freePort, onlyOutput, runRex, workspace } from '../helpers/rex-cli.js';
import { startServe, type ServeProcess } from '../serve/serve-process.js';

it("node's own flags (a V8 flag among them) reach rex's threads without stopping the run", async () => {
  const ws = workspace();
  const args = ['run', path.join(PY_FIXTURES, 'scalars.py'), '-o', ws.outputDir, '-P', String(await freePort())];
  const { code, stderr } = await runRex(ws, args, { nodeFlags: ['--max-old-space-size=1024', '--enable-source-maps'] });
  expect(code, stderr).toBe(0);
  expect(stderr).not.toContain('ERR_WORKER_INVALID_EXEC_ARGV');
  expect(onlyOutput(ws.outputDir).device.daq.data.counts.data).toEqual([0.5, 1.5, 2.5, 3.5, 4.5]);
});

let serve: ServeProcess | undefined;
afterAll(() => serve?.dispose());

it("rex serve starts its runs with the server's V8 pool size", { timeout: 60_000 }, async () => {
  const POOL_FLAG = '--v8-pool-size=1';
  const probe = path.join(workspace().dir, 'probe.json');
  serve = await startServe({ nodeFlags: [POOL_FLAG], env: { REXT_OUT: probe } });
  const started = await serve.http('POST', '/run', { body: { path: 'fixtures/python/env_probe.py', output: serve.outputDir } });
  expect(started.status, serve.output()).toBe(200);
  const run = await serve.waitForRun((r) => r.phase === 'ended');
  expect(run.exit_code, serve.output()).toBe(0);
  // The script reads the command line of its parent, the run's node, from /proc (env_probe.py).
  const argv = await vi.waitFor(() => (JSON.parse(fs.readFileSync(probe, 'utf8')) as { rex_argv: string[] }).rex_argv);
  expect(argv.filter((arg) => arg.startsWith('--v8-pool-size'))).toEqual([POOL_FLAG]);
});
