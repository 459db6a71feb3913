import fs from 'node:fs';
import path from 'node:path';
import { UsageError } from './exit-codes.js';

/** The journals under `target`: a journal file, a run's journal dir, or an output dir holding `.rex/<uuid>/`. */
export function findJournals(target: string): string[] {
  const stat = fs.statSync(target, { throwIfNoEntry: false });
  if (!stat) throw new UsageError(`${target} does not exist`);
  if (stat.isFile()) return [target];
  const found: string[] = [];
  const walk = (dir: string, depth: number): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isFile() && entry.name.endsWith('.rexj')) found.push(full);
      else if (entry.isDirectory() && depth < 3 && !entry.name.endsWith('.spill')) walk(full, depth + 1);
    }
  };
  walk(target, 0);
  // loop-2 before loop-10
  return found.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}
