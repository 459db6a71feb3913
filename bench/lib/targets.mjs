// Runs one benchmark client against one target: rex itself (`rex run <client>`), or a baseline
// server (bench/floor-server.mjs, bench/raw-server.mjs) with the client started directly.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sampleTreeRss } from './rss.mjs';
import { sampleThreadCpu, threadCpuBetween } from './thread-cpu.mjs';

const BENCH_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const REPO_ROOT = path.join(BENCH_DIR, '..');
let rexBin = path.join(REPO_ROOT, 'bin', 'rex.js');

/**
 * Runs every scenario on a copy of the current build: dist/ may be rebuilt by someone else while a
 * long benchmark runs, and one table must not mix two builds. Returns the commit it was built from.
 */
export function pinRexBuild() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rex-bench-build-'));
  rexBin = copyBuild(dir);
  const git = (...args) => execFileSync('git', ['-C', REPO_ROOT, ...args], { encoding: 'utf8' }).trim();
  let build;
  try {
    build = `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--', 'src') ? ' + uncommitted src/ changes' : ''}`;
  } catch {
    build = 'unknown (not a git work tree)';
  }
  return { build, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Copies the current build (bin, dist, package.json, a link to node_modules) to `dir`; returns its rex.js. */
export function copyBuild(dir) {
  for (const part of ['bin', 'dist', 'package.json']) fs.cpSync(path.join(REPO_ROOT, part), path.join(dir, part), { recursive: true });
  fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  return path.join(dir, 'bin', 'rex.js');
}

/** The real python3, not a version manager's shim (pyenv's costs a second per start). */
export const PYTHON = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
export const PATH_WITH_REAL_PYTHON = `${path.dirname(PYTHON)}${path.delimiter}${process.env.PATH ?? ''}`;
/** The clients import benchlib.py: no __pycache__ left in bench/clients. */
const CLIENT_ENV = { PYTHONDONTWRITEBYTECODE: '1' };

export const TARGETS = ['rex', 'floor', 'raw'];

/** A TCP port that was free a moment ago. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Spawns with captured output; `exited` resolves with the exit and the monotonic time of it.
 * `cpus` (a taskset list, e.g. `0` or `0-1`) pins the process and what it starts.
 */
function start(command, args, options, timeoutMs, cpus) {
  const [file, argv] = cpus ? ['taskset', ['-c', cpus, command, ...args]] : [command, args];
  const child = spawn(file, argv, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGTERM'); // rex ends gracefully and stops its script
    setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
  }, timeoutMs);
  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      const atNs = process.hrtime.bigint();
      clearTimeout(timer);
      // 'exit' can come before the last output; 'close' waits for the pipes.
      child.on('close', () => resolve({ code, signal, atNs, timedOut, output }));
    });
  });
  return { child, exited, output: () => output };
}

function failure(what, exit) {
  const why = exit.timedOut ? 'timed out' : `exited with ${exit.signal ?? exit.code}`;
  const tail = exit.output.split('\n').slice(-25).join('\n');
  return new Error(`${what} ${why}; last output:\n${tail}`);
}

function readResult(file, what, exit) {
  if (!fs.existsSync(file)) throw failure(`${what}: no figures from the client;`, exit);
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/**
 * `rex run <client>` in a fresh temp dir (isolated XDG_CONFIG_HOME: built-in defaults), on a
 * fresh port. Returns the client's figures, rex's peak tree RSS (client excluded), the time from
 * the client's last reply to rex's exit and the output file's size. Deletes everything after.
 */
async function runRex(client, env, timeoutMs, cpus, bin = rexBin, nodeFlags = []) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rex-bench-'));
  try {
    const resultFile = path.join(dir, 'result.json');
    const script = path.join(BENCH_DIR, 'clients', client);
    const args = [...nodeFlags, bin, 'run', script, '-o', path.join(dir, 'out'), '-P', String(await freePort())];
    const rex = start(
      process.execPath,
      args,
      {
        cwd: dir,
        env: {
          ...process.env,
          ...CLIENT_ENV,
          PATH: PATH_WITH_REAL_PYTHON,
          XDG_CONFIG_HOME: path.join(dir, 'config'),
          ...env,
          BENCH_RESULT: resultFile,
          // The client inherits rex's pinning; it frees itself so that only rex is pinned.
          ...(cpus && { BENCH_UNPIN: '1' }),
        },
      },
      timeoutMs,
      cpus,
    );
    const rss = sampleTreeRss(rex.child.pid, { excludeArg: script });
    const threads = sampleThreadCpu(rex.child.pid);
    const exit = await rex.exited;
    const peakRssMB = rss.stop();
    const threadSamples = threads.stop();
    if (exit.code !== 0) throw failure('rex', exit);
    const result = readResult(resultFile, 'rex', exit);
    const outputFile = /^output file: (.+)$/m.exec(exit.output)?.[1];
    if (!outputFile || !fs.existsSync(outputFile)) throw failure('rex wrote no output file;', exit);
    const lastReplyNs = BigInt(result.last_reply_ns);
    return {
      ...result,
      peakRssMB,
      /** CPU ms of each of rex's threads from the client's first send to its last reply. */
      streamThreadCpu: threadCpuBetween(threadSamples, lastReplyNs - BigInt(Math.round(result.seconds * 1e9)), lastReplyNs, rex.child.pid),
      endToExitS: Number(exit.atNs - BigInt(result.last_reply_ns)) / 1e9,
      outputBytes: fs.statSync(outputFile).size,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** A baseline server on a fresh port, the client run directly against it. */
async function runBaseline(kind, client, env, timeoutMs, cpus) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rex-bench-'));
  const server = start(process.execPath, [path.join(BENCH_DIR, `${kind}-server.mjs`)], {}, timeoutMs, cpus);
  try {
    const port = await new Promise((resolve, reject) => {
      server.child.stdout.on('data', () => {
        const match = /listening (\d+)/.exec(server.output());
        if (match) resolve(match[1]);
      });
      server.exited.then((exit) => reject(failure(`${kind} server`, exit)));
    });
    const resultFile = path.join(dir, 'result.json');
    const rss = sampleTreeRss(server.child.pid);
    const script = path.join(BENCH_DIR, 'clients', client);
    const clientRun = start(
      PYTHON,
      ['-u', script],
      {
        cwd: dir,
        env: { ...process.env, ...CLIENT_ENV, ...env, REX_PORT: port, BENCH_RESULT: resultFile },
      },
      timeoutMs,
    );
    const exit = await clientRun.exited;
    const peakRssMB = rss.stop();
    if (exit.code !== 0) throw failure(`client against ${kind}`, exit);
    return { ...readResult(resultFile, kind, exit), peakRssMB };
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Runs `client` (a file in bench/clients) against `target` ('rex' | 'floor' | 'raw'); `cpus` pins
 * the target (rex's whole process, the baseline's server), never the client; `rexBin` runs another
 * build of rex than the pinned one (a copyBuild), `nodeFlags` are node's (and V8's) flags for rex.
 */
export function runOn(target, client, env, { timeoutMs = 20 * 60_000, cpus, rexBin: bin, nodeFlags } = {}) {
  const stringEnv = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)]));
  return target === 'rex'
    ? runRex(client, stringEnv, timeoutMs, cpus, bin, nodeFlags)
    : runBaseline(target, client, stringEnv, timeoutMs, cpus);
}
