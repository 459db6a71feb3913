/**
 * `[session.run]` (SPEC §12) with the real CLI: the facts that take a process to learn (the
 * interpreter's `--version`, the script's git state) are learned while the script runs, so a slow
 * one never holds up the start, and they are in the final file all the same.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { freePort, onlyOutput, runRex, workspace } from '../helpers/rex-cli.js';

it("a slow interpreter --version does not hold up the script's start; the version and the git state are recorded", async () => {
  const ws = workspace();
  const versionDone = path.join(ws.dir, 'version-done');
  const startedBefore = path.join(ws.dir, 'script-saw');
  // The interpreter as configured: answers --version after 2 s (a version manager's shim, only
  // slower), runs python for everything else.
  const interpreter = path.join(ws.dir, 'slow-python');
  fs.writeFileSync(
    interpreter,
    `#!/bin/sh\nif [ "$1" = "--version" ]; then sleep 2; echo "Python 9.9 (slow shim)"; touch ${JSON.stringify(versionDone)}; exit 0; fi\nexec python3 "$@"\n`,
    { mode: 0o755 },
  );
  ws.writeConfig(`[general]\ninterpreter = ${JSON.stringify(interpreter)}\n`);
  // The script, in a git work tree with one commit.
  const repo = path.join(ws.dir, 'repo');
  fs.mkdirSync(repo);
  const script = path.join(repo, 'exp.py');
  fs.writeFileSync(
    script,
    `import os, socket
open(${JSON.stringify(startedBefore)}, "w").write(str(os.path.exists(${JSON.stringify(versionDone)})))
s = socket.create_connection(("127.0.0.1", int(os.environ["REX_PORT"])))
s.sendall(b'{"info": {"name": "n", "email": "n@lab.org", "session_name": "facts", "session_description": "d"}}\\n')
s.makefile().readline()
s.close()
`,
  );
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@lab.org', ...args], { cwd: repo, encoding: 'utf8' });
  git('init', '-q');
  git('add', 'exp.py');
  git('commit', '-qm', 'experiment');
  const commit = git('rev-parse', 'HEAD').trim();

  const { code, stderr } = await runRex(ws, ['run', script, '-o', ws.outputDir, '-P', String(await freePort())]);
  expect(code, stderr).toBe(0);
  expect(fs.readFileSync(startedBefore, 'utf8')).toBe('False'); // the script ran before --version answered
  const run = onlyOutput(ws.outputDir).session.run;
  expect(run).toMatchObject({
    interpreter,
    interpreter_version: 'Python 9.9 (slow shim)',
    git_commit: commit,
    git_dirty: false,
    exit_code: 0,
  });
});
