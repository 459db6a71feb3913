/**
 * The `rex` command (bin/rex, what npm links as `rex`) starts Node on bin/rex.js with V8's thread
 * pool sized to the machine: 1 background thread on 2 cores or fewer (bench/RESULTS.md), V8's
 * default above, and what NODE_OPTIONS says when it names one. Runs started by `rex serve` get the
 * server's pool size. Real CLI through a symlink (as npm installs it), real python3; the script
 * reads the command line of its parent, rex's node, from /proc (env_probe.py).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { PY_FIXTURES, REPO_ROOT, freePort, onlyOutput, runRex, workspace } from '../helpers/rex-cli.js';
import { startServe, type ServeProcess } from '../serve/serve-process.js';

const TIMEOUT_MS = 60_000;
const POOL_FLAG = '--v8-pool-size=1';

interface Probe {
  rex_argv: string[];
}

async function probeThroughLauncher(env: Record<string, string> = {}): Promise<string[]> {
  const ws = workspace();
  const linked = path.join(ws.dir, 'rex');
  fs.symlinkSync(path.join(REPO_ROOT, 'bin/rex'), linked);
  const probe = path.join(ws.dir, 'probe.json');
  const script = path.join(PY_FIXTURES, 'env_probe.py');
  const result = await runRex(ws, ['run', script, '-o', ws.outputDir, '-P', String(await freePort())], {
    bin: linked,
    env: { REXT_OUT: probe, ...env },
  });
  expect(result.code, result.stderr).toBe(0);
  expect(onlyOutput(ws.outputDir).device.probe.data.x.data).toEqual([1]);
  return (JSON.parse(fs.readFileSync(probe, 'utf8')) as Probe).rex_argv;
}

describe('the rex command', () => {
  it('gives V8 one background thread on 2 cores or fewer, its default above', { timeout: TIMEOUT_MS }, async () => {
    const argv = await probeThroughLauncher();
    expect(argv).toContain(path.join(REPO_ROOT, 'bin/rex.js')); // the link resolved
    const pool = argv.filter((arg) => arg.startsWith('--v8-pool-size'));
    expect(pool).toEqual(os.availableParallelism() <= 2 ? [POOL_FLAG] : []);
  });

  it("counts the cores it may use, not OpenMP's thread settings", { timeout: TIMEOUT_MS }, async () => {
    // GNU nproc reports OMP_NUM_THREADS (as a minimum) when it is set.
    const argv = await probeThroughLauncher({ OMP_NUM_THREADS: '64', OMP_THREAD_LIMIT: '64' });
    const pool = argv.filter((arg) => arg.startsWith('--v8-pool-size'));
    expect(pool).toEqual(os.availableParallelism() <= 2 ? [POOL_FLAG] : []);
  });

  it('leaves the pool to NODE_OPTIONS when it names one', { timeout: TIMEOUT_MS }, async () => {
    const argv = await probeThroughLauncher({ NODE_OPTIONS: '--v8-pool-size=3' });
    expect(argv.filter((arg) => arg.startsWith('--v8-pool-size'))).toEqual([]);
  });
});

describe('rex serve', () => {
  let serve: ServeProcess | undefined;
  afterAll(() => serve?.dispose());

  it("starts its runs with the server's pool size", { timeout: TIMEOUT_MS }, async () => {
    const probe = path.join(os.tmpdir(), `rex-launcher-probe-${process.pid}.json`);
    serve = await startServe({ nodeFlags: [POOL_FLAG], env: { REXT_OUT: probe } });
    try {
      const started = await serve.http('POST', '/run', { body: { path: 'fixtures/python/env_probe.py', output: serve.outputDir } });
      expect(started.status, serve.output()).toBe(200);
      const run = await serve.waitForRun((r) => r.phase === 'ended');
      expect(run.exit_code, serve.output()).toBe(0);
      const argv = await vi.waitFor(() => (JSON.parse(fs.readFileSync(probe, 'utf8')) as Probe).rex_argv);
      expect(argv.filter((arg) => arg.startsWith('--v8-pool-size'))).toEqual([POOL_FLAG]);
    } finally {
      fs.rmSync(probe, { force: true });
    }
  });
});
