/**
 * Runs the real `rex` CLI (bin/rex.js → dist/) as a child process for system tests, in a temp
 * directory with an isolated config home, and reads the TOML files it writes.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseToml } from 'smol-toml';
import { onTestFinished } from 'vitest';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const REX_BIN = path.join(REPO_ROOT, 'bin/rex.js');
export const PY_FIXTURES = path.join(REPO_ROOT, 'test/fixtures/python');

/**
 * PATH with the directory of the real python3 first. Version managers (pyenv) put a shell-script
 * shim on PATH that costs a second or more per start; the tests run the very same interpreter
 * without it.
 */
const PATH_WITH_REAL_PYTHON = (() => {
  try {
    const executable = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
    return `${path.dirname(executable)}${path.delimiter}${process.env.PATH ?? ''}`;
  } catch {
    return process.env.PATH ?? '';
  }
})();

export interface RexWorkspace {
  dir: string;
  outputDir: string;
  /** XDG_CONFIG_HOME for the run: write `rex/config.toml` here to configure it. */
  configHome: string;
  /** XDG_CACHE_HOME for the run (`rex ls` keeps what it listed there). */
  cacheHome: string;
  writeConfig(toml: string): void;
}

/** A fresh temp dir removed after the test. */
export function workspace(): RexWorkspace {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rex-sys-'));
  onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
  const configHome = path.join(dir, 'config');
  fs.mkdirSync(configHome);
  return {
    dir,
    outputDir: path.join(dir, 'out'),
    configHome,
    cacheHome: path.join(dir, 'cache'),
    writeConfig(toml: string) {
      fs.mkdirSync(path.join(configHome, 'rex'), { recursive: true });
      fs.writeFileSync(path.join(configHome, 'rex', 'config.toml'), toml);
    },
  };
}

/** A TCP port that was free a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface RexRun {
  child: ChildProcess;
  /** Resolves when rex exits. */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  /** stdout + stderr so far. */
  output(): string;
  /** Resolves once the output matches (rejects after `timeoutMs`). */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
}

export interface StartRexOptions {
  env?: Record<string, string>;
  cwd?: string;
  /** An installed `rex` executable to run instead of the repository's bin/rex.js. */
  bin?: string;
  /** Node's own flags, before rex's script: `node <flags> bin/rex.js ...`. */
  nodeFlags?: string[];
}

/** Starts `rex <args>` in the workspace (XDG_CONFIG_HOME and XDG_CACHE_HOME isolated). Killed after the test if still running. */
export function startRex(ws: RexWorkspace, args: string[], options: StartRexOptions = {}): RexRun {
  const [command, argv] = options.bin ? [options.bin, args] : [process.execPath, [...(options.nodeFlags ?? []), REX_BIN, ...args]];
  const child = spawn(command, argv, {
    cwd: options.cwd ?? ws.dir,
    env: { ...process.env, PATH: PATH_WITH_REAL_PYTHON, XDG_CONFIG_HOME: ws.configHome, XDG_CACHE_HOME: ws.cacheHome, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const watched = watchOutput(child, 'output so far', 20_000);
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout: watched.stdout(), stderr: watched.stderr() }));
  });
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { child, done, output: watched.output, waitForOutput: watched.waitForOutput };
}

export interface WatchedOutput {
  stdout(): string;
  stderr(): string;
  /** stdout and stderr as they arrived. */
  output(): string;
  /** Resolves once the output from offset `from` matches (rejects after `timeoutMs`, showing it). */
  waitForOutput(pattern: RegExp, timeoutMs?: number, from?: number): Promise<RegExpMatchArray>;
}

/** Collects a child's stdout and stderr and lets a test wait for a pattern in them. */
export function watchOutput(child: ChildProcess, what: string, defaultTimeoutMs: number): WatchedOutput {
  let stdout = '';
  let stderr = '';
  let output = '';
  const listeners = new Set<() => void>();
  child.stdout!.on('data', (d: Buffer) => {
    stdout += d.toString();
    output += d.toString();
    for (const l of listeners) l();
  });
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
    output += d.toString();
    for (const l of listeners) l();
  });
  return {
    stdout: () => stdout,
    stderr: () => stderr,
    output: () => output,
    waitForOutput(pattern, timeoutMs = defaultTimeoutMs, from = 0) {
      return new Promise((resolve, reject) => {
        const check = (): boolean => {
          const match = output.slice(from).match(pattern);
          if (match) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve(match);
          }
          return Boolean(match);
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`timed out waiting for ${pattern}; ${what}:\n${output}`));
        }, timeoutMs);
        if (!check()) listeners.add(check);
      });
    },
  };
}

/** Runs `rex <args>` to completion. */
export async function runRex(ws: RexWorkspace, args: string[], options: StartRexOptions = {}) {
  return startRex(ws, args, options).done;
}

/** The `*.toml` output files in a directory, sorted by name. */
export function outputFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.toml'))
    .sort()
    .map((f) => path.join(dir, f));
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type TomlTable = Record<string, any>;

export function readToml(file: string): TomlTable {
  return parseToml(fs.readFileSync(file, 'utf8')) as TomlTable;
}

/** The only output file in `dir` (fails if there is not exactly one). */
export function onlyOutput(dir: string): TomlTable {
  const files = outputFiles(dir);
  if (files.length !== 1) throw new Error(`expected one output file in ${dir}, found ${files.length}: ${files.join(', ')}`);
  return readToml(files[0]!);
}
