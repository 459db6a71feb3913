/**
 * `rex recover <journal | run dir | output dir>`: rebuilds output files from journals, e.g. after
 * the rex process was killed with SIGKILL or the machine lost power. Runs the same journal follower
 * and renderer as a live run, in this process. It also removes the temporary directories
 * (REX_STORE) of runs that are gone.
 */
import fs from 'node:fs';
import path from 'node:path';
import { OutputWriter } from '../actors/file-writer/index.js';
import { prepareOutputDirectory } from '../runtime/output-dir.js';
import { removeStaleRunStores } from '../runtime/run-store.js';
import { EXIT, UsageError } from './exit-codes.js';
import { findJournals } from './find-journals.js';

const log = (level: string, message: string): void => console.error(`${level}: ${message}`);

export async function recoverCommand(target: string, options: { output?: string }): Promise<number> {
  const journals = findJournals(path.resolve(target));
  if (journals.length === 0) throw new UsageError(`no rex journal (*.rexj) found in ${target}`);
  for (const dir of removeStaleRunStores()) log('info', `removed ${dir}, the temporary directory of a run that is gone`);
  const outputDir = options.output === undefined ? undefined : path.resolve(options.output);
  const problem = outputDir === undefined ? null : prepareOutputDirectory(outputDir);
  if (problem) throw new UsageError(`output directory ${outputDir}: ${problem}`);
  let failed = 0;
  for (const journal of journals) {
    try {
      console.log(`recovered ${journal} -> ${await recoverJournal(journal, outputDir)}`);
    } catch (error) {
      failed++;
      console.error(`rex: could not recover ${journal}: ${(error as Error).message}`);
    }
  }
  return failed > 0 ? EXIT.internal : EXIT.ok;
}

/**
 * With `-o`, nothing is written beside the journal: the channels' data is spilled in a private
 * directory under the output directory, so a journal on a full (or read-only) disk is recovered.
 */
async function recoverJournal(journal: string, outputDir: string | undefined): Promise<string | null> {
  let work: string | undefined;
  if (outputDir !== undefined) {
    work = fs.mkdtempSync(path.join(outputDir, '.rex-recover-'));
  }
  try {
    const writer = new OutputWriter(journal, { ...(work !== undefined && { spillDir: path.join(work, 'spill') }), log });
    if (outputDir !== undefined && writer.output.start) writer.output.start.outputDir = outputDir;
    return (await writer.finalize()).file;
  } finally {
    if (work !== undefined) fs.rmSync(work, { recursive: true, force: true });
  }
}
