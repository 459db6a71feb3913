/**
 * The Python client installs with pip into a fresh venv, offline and without build isolation (so
 * with no setuptools or wheel to fetch or find), and a script that imports it from that venv, with no
 * PYTHONPATH nor sys.path edit, streams to a real `rex run`.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { REPO_ROOT, freePort, onlyOutput, runRex, workspace } from '../helpers/rex-cli.js';

const run = promisify(execFile);

const SCRIPT = `
import sys
import rex_client
from rex_client import Device, Result, Session

assert rex_client.__file__.startswith(sys.prefix), rex_client.__file__  # the venv's copy
Session("Jane", "jane@lab.org", "pip install", "the installed client")
Device("probe", {"gain": 2}).measure(voltage=(1.5, "V"))
Result("installed", "the client came from the venv", status=True, value=1.0)
`;

it('pip installs clients/python offline into a venv, and its python streams to rex run', { timeout: 60_000 }, async () => {
  const ws = workspace();
  const venv = path.join(ws.dir, 'venv');
  // A venv without pip (ensurepip alone takes seconds), filled by the host's pip; it holds no
  // setuptools either, as on Python 3.12+, so the build backend must make do with the stdlib.
  await run('python3', ['-m', 'venv', '--without-pip', venv]);
  // No pip config (a machine's find-links or index) and no index: nothing is fetched.
  const pipEnv = { ...process.env, PIP_CONFIG_FILE: os.devNull, PIP_DISABLE_PIP_VERSION_CHECK: '1' };
  const pip = ['-m', 'pip', '--python', path.join(venv, 'bin/python'), 'install', '--no-index', '--no-build-isolation'];
  await run('python3', [...pip, path.join(REPO_ROOT, 'clients/python')], { env: pipEnv });

  const script = path.join(ws.dir, 'experiment.py');
  fs.writeFileSync(script, SCRIPT);
  // An activated venv: its bin first on PATH, so rex's `python3` is the venv's.
  const env = { PATH: `${path.join(venv, 'bin')}${path.delimiter}${process.env.PATH}`, PYTHONPATH: '' };
  const result = await runRex(ws, ['run', script, '-o', ws.outputDir, '-P', String(await freePort())], { env });
  expect(result.code, result.stderr).toBe(0);
  const toml = onlyOutput(ws.outputDir);
  expect(toml.device.probe.data.voltage.data).toEqual([1.5]);
  expect(toml.results.installed.result_status).toBe(true);
});
