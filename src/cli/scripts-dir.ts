/**
 * `rex serve`'s scripts directory, made ready at start: created when missing (private, 0700, as
 * rex's other directories of its own), so `GET /allowed_scripts` and `POST /run` have somewhere
 * to look; a path that cannot be one stops the server with a message that names it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { UsageError } from './exit-codes.js';

/** Whether the directory had to be created. Throws UsageError naming it when it cannot be used. */
export function ensureScriptsDir(dir: string): boolean {
  const problem = (reason: string): UsageError => new UsageError(`the scripts directory ${dir} (config [serve] scripts_dir) ${reason}`);
  // One level at a time from the nearest existing parent: no recursive mkdir, which can loop
  // forever on a pseudo-filesystem such as /proc.
  const missing: string[] = [];
  for (let at = dir; ; at = path.dirname(at)) {
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(at, { throwIfNoEntry: false });
    } catch (error) {
      // ENOTDIR: a parent is a file, which the walk up reaches and names.
      if ((error as NodeJS.ErrnoException).code !== 'ENOTDIR') throw problem(`cannot be read: ${(error as Error).message}`);
    }
    if (stat) {
      if (!stat.isDirectory()) throw problem(at === dir ? 'is not a directory' : `cannot be created: ${at} is not a directory`);
      break;
    }
    missing.push(at);
    if (path.dirname(at) === at) break;
  }
  for (const level of missing.reverse()) {
    try {
      fs.mkdirSync(level, { mode: 0o700 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw problem(`cannot be created: ${(error as Error).message}`);
    }
  }
  return missing.length > 0;
}
