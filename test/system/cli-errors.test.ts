/**
 * Exit codes a script can trust (issue 15): a bad command line, a busy `-P` port and a missing
 * interpreter exit 2 with one line naming the problem, before anything starts; 1 stays "the
 * script failed". A busy port from the config (or the default) still falls back, with one WARN.
 * The real CLI, real ports and processes.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { PY_FIXTURES, freePort, onlyOutput, runRex, workspace, type RexWorkspace } from '../helpers/rex-cli.js';

const ENV_PROBE = path.join(PY_FIXTURES, 'env_probe.py');
const TIMEOUT_MS = 30_000;

/** One line: `rex: error: <problem> (see rex <command> --help)`, no help text. */
const PARSE_ERROR = /^rex: error: .+ \(see rex( [a-z]+)* --help\)\n$/;

describe('a bad command line: exit 2, one line and where help is', () => {
  it.each([
    [['run', 'x.py', '--loops', 'abc'], /option '-l, --loops <n>' must be a whole number ≥ 1, got 'abc' \(see rex run --help\)/],
    [['run', 'x.py', '--no-such-option'], /unknown option '--no-such-option' \(see rex run --help\)/],
    [['run', 'x.py', '-P', '99999'], /option '-P, --port <port>' must be 1–65535, got '99999' \(see rex run --help\)/],
    [['run', 'x.py', '-d', '-1'], /option '-d, --delay <minutes>' must be a number of minutes ≥ 0, got '-1'/],
    [['run', 'x.py', '-P'], /option '-P, --port <port>' argument missing/],
    [['no-such-command'], /unknown command 'no-such-command' \(see rex --help\)/],
    [['-v', 'loud', 'run', 'x.py'], /option '-v, --verbosity <level>' .* got 'loud' \(see rex --help\)/],
    [['serve', '-p', '0'], /option '-p, --port <port>' must be 1–65535, got '0' \(see rex serve --help\)/],
    [['view', '--theme', 'neon'], /option '--theme <name>' must be one of dracula, .* got 'neon' \(see rex view --help\)/],
    [['recover'], /missing required argument 'target' \(see rex recover --help\)/],
    [['db', 'push'], /missing required argument 'journal' \(see rex db push --help\)/],
  ])('rex %j', { timeout: TIMEOUT_MS }, async (args, message) => {
    const result = await runRex(workspace(), args);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(PARSE_ERROR);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
  });

  it('--help and --version still exit 0', { timeout: TIMEOUT_MS }, async () => {
    const ws = workspace();
    const [help, version] = await Promise.all([runRex(ws, ['run', '--help']), runRex(ws, ['--version'])]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: rex run/);
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+/);
  });
});

/** A process of our own listening on `port` (127.0.0.1), killed after the test. */
async function listenerProcess(port: number): Promise<number> {
  const child = spawn(
    process.execPath,
    ['-e', `require('node:net').createServer().listen(${port}, '127.0.0.1', () => console.log('listening'))`],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  onTestFinished(() => void child.kill('SIGKILL'));
  await new Promise<void>((resolve, reject) => {
    child.once('exit', () => reject(new Error('the listener process exited')));
    child.stdout.once('data', () => resolve());
  });
  return child.pid!;
}

describe('a busy port', () => {
  it('given with -P: exit 2 naming the port and the process holding it; the script never runs', { timeout: TIMEOUT_MS }, async () => {
    const ws = workspace();
    const port = await freePort();
    const holder = await listenerProcess(port);
    const probe = path.join(ws.dir, 'probe.json');
    const result = await runRex(ws, ['run', ENV_PROBE, '-P', String(port), '-o', ws.outputDir], { env: { REXT_OUT: probe } });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain(`port ${port} on 127.0.0.1 is held by pid ${holder} (node)`);
    expect(fs.existsSync(probe), 'the script ran').toBe(false);
    expect(fs.existsSync(path.join(ws.outputDir, '.rex'))).toBe(false);
  });

  it('rex serve -p: exit 2 naming the port and its holder, before the server starts', { timeout: TIMEOUT_MS }, async () => {
    const port = await freePort();
    const holder = await listenerProcess(port);
    const result = await runRex(workspace(), ['serve', '-p', String(port)]);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain(`port ${port} on 127.0.0.1 is held by pid ${holder} (node)`);
  });

  it('from the config: one WARN line, the run works on another port, exported as REX_PORT', { timeout: TIMEOUT_MS }, async () => {
    const ws = workspace();
    const busyPort = await freePort();
    await listenOnce(busyPort);
    ws.writeConfig(`[general]\nport = ${busyPort}\n`);
    const probe = path.join(ws.dir, 'probe.json');
    const result = await runRex(ws, ['run', ENV_PROBE, '-o', ws.outputDir], { env: { REXT_OUT: probe } });
    expect(result.code, result.stderr).toBe(0);
    const usedPort = Number((JSON.parse(fs.readFileSync(probe, 'utf8')) as { env: { REX_PORT: string } }).env.REX_PORT);
    expect(usedPort).not.toBe(busyPort);
    const notices = result.stderr.split('\n').filter((line) => /\b(WARN|ERROR)\b/.test(line));
    expect(notices).toEqual([expect.stringMatching(new RegExp(`WARN .*port ${busyPort} is busy: listening on ${usedPort} instead`))]);
    // The script reached rex on the new port.
    expect(onlyOutput(ws.outputDir).device.probe.data.x.data).toEqual([1]);
  });
});

describe('an address that cannot be listened on', () => {
  it.each([
    ['a name that does not resolve', 'nonsense.invalid', 'cannot resolve the host name'],
    ['an address not on this machine', '203.0.113.1', 'no such address on this machine'],
  ])('--bind %s: exit 2 with one line naming it; the script never runs', { timeout: TIMEOUT_MS }, async (_, bind, why) => {
    const ws = workspace();
    const probe = path.join(ws.dir, 'probe.json');
    const result = await runRex(ws, ['run', ENV_PROBE, '--bind', bind, '-o', ws.outputDir], { env: { REXT_OUT: probe } });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain(`rex: cannot listen on ${bind}:`);
    expect(result.stderr).toContain(why);
    expect(result.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(fs.existsSync(probe), 'the script ran').toBe(false);
  });
});

/** Holds `port` on 127.0.0.1 in this process until the test ends. */
async function listenOnce(port: number): Promise<void> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
}

describe('the interpreter is checked before anything starts', () => {
  async function expectRefused(ws: RexWorkspace, interpreter: string, problem: RegExp): Promise<void> {
    ws.writeConfig(`[general]\ninterpreter = ${JSON.stringify(interpreter)}\n`);
    const probe = path.join(ws.dir, 'probe.json');
    const result = await runRex(ws, ['run', ENV_PROBE, '-o', ws.outputDir], { env: { REXT_OUT: probe } });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(problem);
    expect(result.stderr).toContain(`cannot run ${ENV_PROBE}`);
    // Nothing started: no listener line, no output directory, no journal.
    expect(result.stderr).not.toMatch(/listening on/);
    expect(fs.existsSync(ws.outputDir)).toBe(false);
  }

  it('a name not on PATH', { timeout: TIMEOUT_MS }, async () => {
    await expectRefused(workspace(), 'python-that-is-not-installed', /interpreter python-that-is-not-installed not found on PATH/);
  });

  it('a path to a file that is not executable', { timeout: TIMEOUT_MS }, async () => {
    const ws = workspace();
    const notExecutable = path.join(ws.dir, 'python');
    fs.writeFileSync(notExecutable, '#!/bin/sh\n', { mode: 0o644 });
    await expectRefused(ws, notExecutable, new RegExp(`interpreter ${notExecutable} is not an executable file`));
  });
});
