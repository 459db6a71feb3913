/**
 * `rex recover <journal | run dir | output dir>`: rebuilds output files from journals, e.g. after
 * the rex process was killed with SIGKILL or the machine lost power. Runs the same journal follower
 * and renderer as a live run, in this process.
 */
import fs from 'node:fs';
import path from 'node:path';
import { OutputWriter } from '../actors/file-writer/output-writer.js';
import { UsageError } from './exit-codes.js';

export async function recoverCommand(target: string, options: { output?: string }): Promise<number> {
  const journals = findJournals(path.resolve(target));
  if (journals.length === 0) throw new UsageError(`no rex journal (*.rexj) found in ${target}`);
  for (const journal of journals) {
    const writer = new OutputWriter(journal, {
      storeDir: path.join(path.dirname(journal), 'recovered-store'),
      log: (level, message) => console.error(`${level}: ${message}`),
    });
    if (options.output && writer.output.start) writer.output.start.outputDir = path.resolve(options.output);
    const { file } = await writer.finalize();
    fs.rmSync(path.join(path.dirname(journal), 'recovered-store'), { recursive: true, force: true });
    console.log(`recovered ${journal} -> ${file}`);
  }
  return 0;
}

/** A journal file, a run's journal dir, or an output dir holding `.rex/<uuid>/` journal dirs. */
function findJournals(target: string): string[] {
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
  return found.sort();
}
