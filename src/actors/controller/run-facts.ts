/**
 * The facts of `[session.run]` that take a process to learn (SPEC §12): the interpreter's version
 * and the script's git state. Learned while the script runs, not before it starts: a version
 * manager's shim (pyenv's takes ~0.3 s) or `git status` in a big work tree (up to the 5 s limit
 * below) would otherwise hold up every start. They go into the journal's end record.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export type RunFacts = Record<string, string | boolean>;

/** Never rejects: a fact that cannot be learned is left out. */
export async function collectRunFacts(interpreter: string, scriptPath: string): Promise<RunFacts> {
  const [interpreterVersion, git] = await Promise.all([commandOutput(interpreter, ['--version']), gitState(path.dirname(scriptPath))]);
  const facts: RunFacts = {};
  if (interpreterVersion) facts.interpreter_version = interpreterVersion;
  if (git) {
    facts.git_commit = git.commit;
    facts.git_dirty = git.dirty;
  }
  return facts;
}

async function commandOutput(command: string, args: string[], cwd?: string): Promise<string | null> {
  try {
    const { stdout, stderr } = await run(command, args, { cwd, timeout: 5000 });
    return stdout.trim() || stderr.trim() || null;
  } catch {
    return null;
  }
}

async function gitState(dir: string): Promise<{ commit: string; dirty: boolean } | null> {
  const commit = await commandOutput('git', ['rev-parse', 'HEAD'], dir);
  if (!commit || !/^[0-9a-f]{40}$/.test(commit)) return null;
  // --no-optional-locks: never take the user's index lock (a concurrent git command would fail).
  const status = await commandOutput('git', ['--no-optional-locks', 'status', '--porcelain'], dir);
  return { commit, dirty: status !== null && status.length > 0 };
}
