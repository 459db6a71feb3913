/**
 * `[session.run]`'s facts with real processes: a native interpreter's version is remembered in a
 * private cache while its file is the same, a script interpreter is asked every time, and git runs
 * once, only inside a work tree. Each process spared is a fork less while the script starts.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type CommandOutput, collectRunFacts } from '../../src/actors/controller/run-facts.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function scratch(): { dir: string; env: NodeJS.ProcessEnv; script: string; cacheDir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rex-run-facts-'));
  dirs.push(dir);
  const script = path.join(dir, 'exp.py');
  fs.writeFileSync(script, 'print(1)\n');
  const cacheHome = path.join(dir, 'cache');
  return {
    dir,
    script,
    env: { ...process.env, XDG_CACHE_HOME: cacheHome },
    cacheDir: path.join(cacheHome, 'rex-daq', 'interpreter-version'),
  };
}

/** Runs commands for real (with `env`, as rex's thread has it) and records them. */
function recordingRunner(env: NodeJS.ProcessEnv = process.env): { run: CommandOutput; calls: string[] } {
  const calls: string[] = [];
  const run: CommandOutput = async (command, args, cwd) => {
    calls.push(path.basename(command));
    try {
      return execFileSync(command, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim() || null;
    } catch {
      return null;
    }
  };
  return { run, calls };
}

/** A native executable of our own that answers --version: a copy of coreutils' `echo`. */
function nativeInterpreter(dir: string): string {
  const file = path.join(dir, 'native-interpreter');
  fs.copyFileSync(fs.realpathSync('/usr/bin/echo'), file);
  fs.chmodSync(file, 0o755);
  return file;
}

describe('the interpreter version', () => {
  it('a native interpreter is asked once, then again only once its file changed', async () => {
    const { dir, env, script, cacheDir } = scratch();
    const interpreter = nativeInterpreter(dir);
    const { run, calls } = recordingRunner();
    const first = await collectRunFacts(interpreter, script, run, env);
    expect(first.interpreter_version).toMatch(/coreutils/);
    expect(await collectRunFacts(interpreter, script, run, env)).toEqual(first);
    expect(calls).toEqual(['native-interpreter']);
    // The cache is private: a 0700 directory and a 0600 file.
    expect(fs.statSync(cacheDir).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(cacheDir, 'versions.json')).mode & 0o777).toBe(0o600);

    fs.appendFileSync(interpreter, Buffer.from([0])); // an upgrade in place
    expect(await collectRunFacts(interpreter, script, run, env)).toEqual(first);
    expect(calls).toEqual(['native-interpreter', 'native-interpreter']);
  });

  it('found on PATH by name, as the script is started', async () => {
    const { dir, env, script } = scratch();
    nativeInterpreter(dir);
    const onPath = { ...env, PATH: `${dir}${path.delimiter}${env.PATH}` };
    const { run, calls } = recordingRunner(onPath);
    const first = await collectRunFacts('native-interpreter', script, run, onPath);
    expect(await collectRunFacts('native-interpreter', script, run, onPath)).toEqual(first);
    expect(first.interpreter_version).toMatch(/coreutils/);
    expect(calls).toEqual(['native-interpreter']);
  });

  it("a script in the interpreter's place (a shim, a wrapper) is asked every time", async () => {
    const { dir, env, script, cacheDir } = scratch();
    const shim = path.join(dir, 'shim');
    fs.writeFileSync(shim, '#!/bin/sh\necho "Python 3.99 from $(pwd)"\n', { mode: 0o755 });
    const { run, calls } = recordingRunner();
    for (let i = 0; i < 2; i++) expect((await collectRunFacts(shim, script, run, env)).interpreter_version).toMatch(/^Python 3\.99/);
    expect(calls).toEqual(['shim', 'shim']);
    expect(fs.existsSync(path.join(cacheDir, 'versions.json'))).toBe(false);
  });

  it('a cache directory open to others, or a link, is not used: nothing is read from it or written through it', async () => {
    const { dir, env, script, cacheDir } = scratch();
    const interpreter = nativeInterpreter(dir);
    fs.mkdirSync(cacheDir, { recursive: true, mode: 0o777 });
    fs.chmodSync(cacheDir, 0o777);
    // Planted by someone else: a version that would be believed if the directory were used.
    const planted = { [fs.realpathSync(interpreter)]: { key: 'any', version: 'Python 6.6.6' } };
    fs.writeFileSync(path.join(cacheDir, 'versions.json'), JSON.stringify(planted));
    const { run, calls } = recordingRunner();
    for (let i = 0; i < 2; i++) expect((await collectRunFacts(interpreter, script, run, env)).interpreter_version).toMatch(/coreutils/);
    expect(calls).toHaveLength(2);
    expect(JSON.parse(fs.readFileSync(path.join(cacheDir, 'versions.json'), 'utf8'))).toEqual(planted);

    fs.rmSync(cacheDir, { recursive: true });
    const elsewhere = fs.mkdtempSync(path.join(dir, 'elsewhere-'));
    fs.symlinkSync(elsewhere, cacheDir);
    await collectRunFacts(interpreter, script, run, env);
    await collectRunFacts(interpreter, script, run, env);
    expect(calls).toHaveLength(4);
    expect(fs.readdirSync(elsewhere)).toEqual([]);
  });

  it('a damaged cache file is a miss, and is replaced', async () => {
    const { dir, env, script, cacheDir } = scratch();
    const interpreter = nativeInterpreter(dir);
    fs.mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
    fs.writeFileSync(path.join(cacheDir, 'versions.json'), '{"half": {"key": ');
    const { run, calls } = recordingRunner();
    await collectRunFacts(interpreter, script, run, env);
    await collectRunFacts(interpreter, script, run, env);
    expect(calls).toEqual(['native-interpreter']);
  });
});

describe('the git state', () => {
  const git = (cwd: string, ...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@lab.org', ...args], { cwd, encoding: 'utf8' });

  it('outside a work tree git is not run at all', async () => {
    const { env, script } = scratch();
    const { run, calls } = recordingRunner();
    const facts = await collectRunFacts('/bin/sh', script, run, { ...env, GIT_DIR: undefined });
    expect(facts).not.toHaveProperty('git_commit');
    expect(calls).not.toContain('git');
  });

  it('inside one: one git process gives the commit, and whether anything differs from it', async () => {
    const { dir, env, script } = scratch();
    const { run, calls } = recordingRunner();
    git(dir, 'init', '-q');
    expect(await collectRunFacts('/bin/sh', script, run, env)).not.toHaveProperty('git_commit'); // no commit yet
    git(dir, 'add', 'exp.py');
    git(dir, 'commit', '-qm', 'experiment');
    const commit = git(dir, 'rev-parse', 'HEAD').trim();
    calls.length = 0;
    expect(await collectRunFacts('/bin/sh', script, run, env)).toMatchObject({ git_commit: commit, git_dirty: false });
    expect(calls.filter((c) => c === 'git')).toHaveLength(1);

    // The script in a subdirectory; an untracked file makes the tree dirty.
    const sub = path.join(dir, 'sub');
    fs.mkdirSync(sub);
    fs.writeFileSync(path.join(sub, 'notes.txt'), 'x');
    expect(await collectRunFacts('/bin/sh', path.join(sub, 'exp2.py'), run, env)).toMatchObject({ git_commit: commit, git_dirty: true });
  });
});
