/**
 * The `[session.run]` record (SPEC §12): what ran, where, with what — enough to reproduce it.
 * Collected once per `rex run` (the controller adds the loop index), while the actors start.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface RunRecordInput {
  scriptPath: string;
  interpreter: string;
  commandLine: string[];
  rexVersion: string;
}

export async function collectRunRecord(input: RunRecordInput): Promise<Record<string, string | number | boolean>> {
  const scriptPath = path.resolve(input.scriptPath);
  const record: Record<string, string | number | boolean> = {
    script: scriptPath,
    interpreter: input.interpreter,
    command_line: input.commandLine.join(' '),
    rex_version: input.rexVersion,
    host: os.hostname(),
  };
  const [sha, interpreterVersion, git] = await Promise.all([
    sha256File(scriptPath),
    commandOutput(input.interpreter, ['--version']),
    gitState(path.dirname(scriptPath)),
  ]);
  if (sha) record.script_sha256 = sha;
  if (interpreterVersion) record.interpreter_version = interpreterVersion;
  if (git) {
    record.git_commit = git.commit;
    record.git_dirty = git.dirty;
  }
  return record;
}

async function sha256File(file: string): Promise<string | null> {
  try {
    return createHash('sha256')
      .update(await fs.promises.readFile(file))
      .digest('hex');
  } catch {
    return null;
  }
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
