/**
 * REX_STORE: a run's private directory in the system's temp dir. Made by mkdtemp (mode 0700, a
 * random name nobody can make first), never at a predictable shared path. Its name carries the
 * pid of the rex process that owns it, `rex-run-<pid>-XXXXXX`, so that the stores of runs that
 * are gone (rex killed) can be told from those of live runs and removed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isProcessAlive } from './process-alive.js';

const STORE_NAME = /^rex-run-(\d+)-/;

export function createRunStore(tempDir = os.tmpdir()): string {
  return fs.mkdtempSync(path.join(tempDir, `rex-run-${process.pid}-`));
}

/**
 * Removes the stores of rex processes that are gone. Only real directories (not links) owned by
 * this user are considered; a live process's store, or another user's, is left alone. Returns
 * the directories removed.
 */
export function removeStaleRunStores(tempDir = os.tmpdir()): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(tempDir);
  } catch {
    return removed;
  }
  for (const name of names) {
    const match = STORE_NAME.exec(name);
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
