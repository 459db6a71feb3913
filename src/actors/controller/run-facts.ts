/**
 * The facts of `[session.run]` that take a process to learn (SPEC §12): the interpreter's version
 * and the script's git state. Learned while the script runs, not before it starts: a version
 * manager's shim (pyenv's takes ~0.3 s) or `git status` in a big work tree (up to the 5 s limit
 * below) would otherwise hold up every start. They go into the journal's end record.
 *
 * Each process is a fork of rex and competes with the script's start for the cores, so none is
 * started that can be spared: a native interpreter's version is remembered (./interpreter-version.ts),
 * git runs only inside a work tree, and once.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { interpreterVersion } from './interpreter-version.js';

const execFileAsync = promisify(execFile);

export type RunFacts = Record<string, string | boolean>;

/** A command's output (stdout, else stderr), or null when it fails. */
export type CommandOutput = (command: string, args: string[], cwd?: string) => Promise<string | null>;

/** Never rejects: a fact that cannot be learned is left out. */
export async function collectRunFacts(
  interpreter: string,
  scriptPath: string,
  run: CommandOutput = commandOutput,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RunFacts> {
  const [version, git] = await Promise.all([
    interpreterVersion(interpreter, () => run(interpreter, ['--version']), env).catch(() => null),
    gitState(path.dirname(scriptPath), run, env),
  ]);
  const facts: RunFacts = {};
  if (version) facts.interpreter_version = version;
  if (git) {
    facts.git_commit = git.commit;
    facts.git_dirty = git.dirty;
  }
  return facts;
}

async function commandOutput(command: string, args: string[], cwd?: string): Promise<string | null> {
  try {
    const { stdout, stderr } = await execFileAsync(command, args, { cwd, timeout: 5000 });
    return stdout.trim() || stderr.trim() || null;
  } catch {
    return null;
  }
}

/** The commit checked out (SHA-1 or SHA-256) and whether anything differs from it, untracked files included. */
async function gitState(dir: string, run: CommandOutput, env: NodeJS.ProcessEnv): Promise<{ commit: string; dirty: boolean } | null> {
  if (env.GIT_DIR === undefined && !inGitWorkTree(dir)) return null;
  // --no-optional-locks: never take the user's index lock (a concurrent git command would fail).
  const status = await run('git', ['--no-optional-locks', 'status', '--porcelain=v2', '--branch'], dir);
  const commit = status && /^# branch\.oid ([0-9a-f]{40}(?:[0-9a-f]{24})?)$/m.exec(status)?.[1];
  if (!status || !commit) return null;
  return { commit, dirty: status.split('\n').some((line) => line !== '' && !line.startsWith('#')) };
}

/** Whether `dir` or a directory above it has a `.git` (a directory, or a worktree's file). */
function inGitWorkTree(dir: string): boolean {
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    if (fs.existsSync(path.join(current, '.git'))) return true;
    if (path.dirname(current) === current) return false;
  }
}
