/**
 * `rex serve`'s private directory for its runs' logs (`rex-serve-<pid>-XXXXXX` in TMPDIR): removed
 * when the server stops, and, when a server was killed, by the next one; another live server's,
 * another user's, a link, or a directory of another name are left alone.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it, onTestFinished } from 'vitest';
import { startServe } from './serve-process.js';

it("a killed server's log directory is removed by the next server, which removes its own when it stops", async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rex-serve-tmpdir-test-'));
  onTestFinished(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const ownDirs = (pid: number | undefined) => fs.readdirSync(tmp).filter((name) => name.startsWith(`rex-serve-${pid}-`));
  const precious = path.join(tmp, 'precious');
  fs.writeFileSync(precious, 'keep\n');
  const gonePid = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, ['-e', '']);
    child.on('exit', () => resolve(child.pid!));
  });
  const gone = fs.mkdtempSync(path.join(tmp, `rex-serve-${gonePid}-`));
  fs.symlinkSync(precious, path.join(gone, 'link'));
  const live = fs.mkdtempSync(path.join(tmp, `rex-serve-${process.pid}-`));
  const otherName = fs.mkdtempSync(path.join(tmp, 'rex-serve-'));
  const linked = path.join(tmp, `rex-serve-${gonePid}-alink`);
  fs.symlinkSync(otherName, linked);

  const first = await startServe({ env: { TMPDIR: tmp } });
  onTestFinished(() => first.dispose());
  await first.waitForOutput(new RegExp(`removed ${gone}, the temporary directory of a server that is gone`));
  expect(fs.existsSync(gone)).toBe(false);
  for (const kept of [live, otherName, linked]) expect(fs.lstatSync(kept, { throwIfNoEntry: false }), kept).toBeDefined();
  expect(fs.readFileSync(precious, 'utf8')).toBe('keep\n');
  const [firstDir] = ownDirs(first.child.pid);
  expect(firstDir).toBeDefined();
  expect(fs.statSync(path.join(tmp, firstDir!)).mode & 0o777).toBe(0o700);

  first.child.kill('SIGKILL'); // no chance to clean up
  await first.exited;
  const second = await startServe({ env: { TMPDIR: tmp } });
  onTestFinished(() => second.dispose());
  await second.waitForOutput(/the temporary directory of a server that is gone/);
  expect(ownDirs(first.child.pid)).toEqual([]);
  expect(ownDirs(second.child.pid)).toHaveLength(1);

  second.child.kill('SIGTERM');
  expect((await second.exited).code).toBe(0);
  expect(ownDirs(second.child.pid)).toEqual([]);
});
