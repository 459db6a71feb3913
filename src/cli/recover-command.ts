/**
 * `rex recover <journal | run dir | output dir>`: rebuilds output files from journals, e.g. after
 * the rex process was killed with SIGKILL or the machine lost power. Runs the same journal follower
 * and renderer as a live run, in this process.
 */
import fs from 'node:fs';
import path from 'node:path';
import { OutputWriter } from '../actors/file-writer/index.js';
import { UsageError } from './exit-codes.js';
import { findJournals } from './find-journals.js';

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
