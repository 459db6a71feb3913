/**
 * `node <flags> bin/rex.js run …`: a lab gives a big run more heap with `--max-old-space-size`.
 * The actors' threads inherit the process's flags; listed explicitly as their execArgv, a V8 flag
 * made every actor fail to start (ERR_WORKER_INVALID_EXEC_ARGV) and rex exit as an internal error.
 */
import path from 'node:path';
import { expect, it } from 'vitest';
import { PY_FIXTURES, freePort, onlyOutput, runRex, workspace } from '../helpers/rex-cli.js';

it("node's own flags (a V8 flag among them) reach rex's threads without stopping the run", async () => {
  const ws = workspace();
  const args = ['run', path.join(PY_FIXTURES, 'scalars.py'), '-o', ws.outputDir, '-P', String(await freePort())];
  const { code, stderr } = await runRex(ws, args, { nodeFlags: ['--max-old-space-size=1024', '--enable-source-maps'] });
  expect(code, stderr).toBe(0);
  expect(stderr).not.toContain('ERR_WORKER_INVALID_EXEC_ARGV');
  expect(onlyOutput(ws.outputDir).device.daq.data.counts.data).toEqual([0.5, 1.5, 2.5, 3.5, 4.5]);
});
