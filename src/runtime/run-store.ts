/**
 * rex's private directories in the system's temp dir: a run's REX_STORE (`rex-run-…`) and
 * `rex serve`'s logs of its runs (`rex-serve-…`). Made by mkdtemp (mode 0700, a random name nobody
 * can make first), never at a predictable shared path. Each name carries the pid of the rex
 * process that owns it, `<kind>-<pid>-XXXXXX`, so that the directories of processes that are gone
 * (killed) can be told from those of live ones and removed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isProcessAlive } from './process-alive.js';

export type PrivateDirKind = 'rex-run' | 'rex-serve';

export function createPrivateDir(kind: PrivateDirKind, tempDir = os.tmpdir()): string {
  return fs.mkdtempSync(path.join(tempDir, `${kind}-${process.pid}-`));
}

/**
 * Removes the `kind` directories of rex processes that are gone. Only real directories (not links)
 * owned by this user are considered; a live process's, or another user's, is left alone. Returns
 * the directories removed.
 */
export function removeStalePrivateDirs(kind: PrivateDirKind, tempDir = os.tmpdir()): string[] {
  const pattern = new RegExp(`^${kind}-(\\d+)-`);
  const removed: string[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(tempDir);
  } catch {
    return removed;
  }
  for (const name of names) {
    const match = pattern.exec(name);
    if (!match) continue;
    const pid = Number(match[1]);
    if (pid === process.pid || isProcessAlive(pid)) continue;
    const dir = path.join(tempDir, name);
    const stat = fs.lstatSync(dir, { throwIfNoEntry: false });
    if (!stat?.isDirectory() || (process.getuid !== undefined && stat.uid !== process.getuid())) continue;
    try {
      // rm does not follow links inside: it removes the links themselves.
      fs.rmSync(dir, { recursive: true, force: true });
      removed.push(dir);
    } catch {
      // Another rex removing it at the same time, or a file we may not remove: left for next time.
    }
  }
  return removed;
}

/** REX_STORE: private to one run. */
export function createRunStore(tempDir = os.tmpdir()): string {
  return createPrivateDir('rex-run', tempDir);
}

export function removeStaleRunStores(tempDir = os.tmpdir()): string[] {
  return removeStalePrivateDirs('rex-run', tempDir);
}
