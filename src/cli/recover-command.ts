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
import { loadConfig } from './config-file.js';
import { awaitReplication } from '../host/run/replication-drain.js';
import type { FleetConfig } from '../protocol/config.js';

const log = (level: string, message: string): void => console.error(`${level}: ${message}`);

export async function recoverCommand(target: string, options: { output?: string; configFile?: string }): Promise<number> {
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
  // A config that cannot be read never stands in the way of recovering: it only decides replication.
  const fleet = await loadConfig(options.configFile ? { path: options.configFile } : {}).then(
    ({ config }) => config.fleet,
    (error: unknown) => log('warn', `${(error as Error).message}; the journals are not replicated to a fleet`),
  );
  if (fleet && !(await replicate(journals, fleet))) failed++;
  return failed > 0 ? EXIT.internal : EXIT.ok;
}

/**
 * `[fleet]`: sends the hub what it lacks of these journals (from each one's replication progress;
 * the hub drops what it has) and, for a journal without a run-end record, the end marker that
 * lets the archive write the same file as this command. False when the hub did not take it all.
 */
async function replicate(journals: string[], fleet: FleetConfig): Promise<boolean> {
  const [{ JournalReplicator }, { connectFleet, stationName }] = await Promise.all([
    import('../actors/fleet-replicator/index.js'),
    import('../runtime/fleet/connect.js'),
  ]);
  const node = stationName(fleet);
  let nc: Awaited<ReturnType<typeof connectFleet>>;
  try {
    nc = await connectFleet(fleet, { name: `rex-recover@${node}` });
  } catch (error) {
    console.error(
      `rex: cannot reach the fleet at ${fleet.urls.join(', ')}: ${(error as Error).message}; run \`rex recover\` again to replicate the journals`,
    );
    return false;
  }
  const replicator = new JournalReplicator({
    connection: Promise.resolve(nc),
    node,
    domain: fleet.jetstream_domain,
    journals: () => journals,
    log,
  });
  replicator.finalize();
  const running = replicator.run(true);
  try {
    const result = await awaitReplication(async () => replicator.status());
    if (result.caughtUp)
      console.log(`replicated ${journals.length === 1 ? 'the journal' : `${journals.length} journals`} to the hub as ${node}`);
    else console.error(`rex: the hub has not acknowledged every record (${result.reason}); run \`rex recover\` again to send the rest`);
    return result.caughtUp;
  } finally {
    replicator.stop();
    await running;
    await nc.close();
  }
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
