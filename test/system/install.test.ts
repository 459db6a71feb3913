/**
 * The package as npm ships it: `npm pack` of the built tree, installed with `npm install -g` into
 * a temporary prefix the way the README says, runs the quick start from `/` with nothing of the
 * repository around it.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { REPO_ROOT, freePort, onlyOutput, runRex, workspace } from '../helpers/rex-cli.js';

const run = promisify(execFile);

it('a packed tarball installs globally and runs the quick start from /', { timeout: 120_000 }, async () => {
  const ws = workspace();
  // --ignore-scripts: `prepare` would rebuild dist/ under the tests running beside this one; the
  // suite builds it first.
  const pack = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', ws.dir], { cwd: REPO_ROOT });
  const [packed] = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
  const shipped = packed!.files.map((f) => f.path);
  const needed = [
    'bin/rex.js',
    'dist/cli/main.js',
    'clients/python/pyproject.toml',
    'examples/quickstart.py',
    // The browser view, built (docs/web.md).
    'dist/web/index.html',
    'dist/web/app.js',
    'dist/web/app.css',
  ];
  expect(shipped).toEqual(expect.arrayContaining(needed));
  expect(shipped.filter((f) => /^(src|test|bench)\/|__pycache__/.test(f))).toEqual([]);

  // The cache holds every tarball after `npm ci`; only missing registry metadata is fetched.
  const prefix = path.join(ws.dir, 'prefix');
  const tarball = path.join(ws.dir, packed!.filename);
  const flags = ['--prefer-offline', '--no-audit', '--no-fund', '--loglevel=warn'];
  const install = await run('npm', ['install', '-g', '--prefix', prefix, tarball, ...flags], { cwd: ws.dir });
  expect(install.stdout + install.stderr).not.toContain('EBADENGINE');

  const installed = path.join(prefix, 'lib/node_modules/rex-daq');
  const quickstart = path.join(installed, 'examples/quickstart.py');
  const result = await runRex(ws, ['run', quickstart, '-o', ws.outputDir, '-P', String(await freePort())], {
    bin: path.join(prefix, 'bin/rex'),
    cwd: '/',
  });
  expect(result.code, result.stderr).toBe(0);
  const toml = onlyOutput(ws.outputDir);
  expect(toml.session.info.session_name).toBe('Quickstart demo');
  expect(Object.keys(toml.device).sort()).toEqual(['cryostat', 'scope']);
  expect(toml.device.cryostat.data.temperature.data).toHaveLength(15);
  expect(toml.results['ringdown decay time'].result_status).toBe(true);
  expect(toml.session.run.script).toBe(quickstart);
});
