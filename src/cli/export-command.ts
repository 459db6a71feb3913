/**
 * `rex export FILE --to csv|parquet|hdf5 [-o DIR]`: a run's output file in the formats labs
 * analyse and archive in (docs/export.md). Values are streamed from the file, so memory does not
 * grow with it. Files are written beside FILE (or into DIR) under new names, never over a file
 * that is there unless `--force` says so; each appears whole or not at all.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { DeviceEntry } from '../protocol/run-file/model.js';
import { sanitizeSessionName, truncateUtf8 } from '../protocol/output/file-name.js';
import { EXCLUSIVE, placeExclusively, tempPath } from '../runtime/atomic-file.js';
import { syncDirectoryAsync } from '../runtime/journal/writer.js';
import { prepareOutputDirectory } from '../runtime/output-dir.js';
import { openRunFile } from '../runtime/run-file/open-run-file.js';
import { EXIT, UsageError } from './exit-codes.js';
import { EXPORT_FORMATS, type ExportFormatName } from './export/formats.js';

export interface ExportOptions {
  to: ExportFormatName;
  output?: string;
  force: boolean;
}

/**
 * An exported file's name stays within this many UTF-8 bytes, whatever the names it is made of:
 * its temporary name (`.<name>.<pid>.<random>.tmp`) must fit the usual 255 too.
 */
const MAX_NAME_BYTES = 200;
/** What a per-device name keeps for the device, at least, when the file's own name is long. */
const DEVICE_PART_BYTES = 40;

export async function exportCommand(file: string, options: ExportOptions): Promise<number> {
  const source = path.resolve(file);
  const format = EXPORT_FORMATS[options.to];
  const outputDir = path.resolve(options.output ?? path.dirname(source));
  // The file first: a missing or broken one leaves no output directory behind.
  const run = await openRunFile(source);
  try {
    const problem = prepareOutputDirectory(outputDir);
    if (problem) throw new UsageError(`output directory ${outputDir}: ${problem}`);
    const stem = truncateUtf8(
      path.basename(source).replace(/\.toml$/i, ''),
      MAX_NAME_BYTES - (format.perDevice ? DEVICE_PART_BYTES : 0) - 8,
    );
    const deviceBytes = MAX_NAME_BYTES - Buffer.byteLength(`${stem}..${format.extension}`);
    const targets = exportTargets(run.devices, format.perDevice, deviceBytes).map((t) => ({
      ...t,
      path: path.join(outputDir, `${stem}${t.suffix}.${format.extension}`),
    }));
    // Refused before anything is written: no export is left half done because one of its files was there.
    const taken = options.force ? [] : targets.filter((t) => exists(t.path)).map((t) => t.path);
    if (taken.length > 0) throw new UsageError(`${taken.join(', ')} ${taken.length > 1 ? 'exist' : 'exists'} (--force replaces)`);
    const writer = await format.load();
    for (const target of targets) {
      try {
        await writeExport(target.path, options.force, (temp) => writer.write(run, target.device, temp));
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (typeof code !== 'string') throw error;
        // The file system refused (a directory in the way, a full disk): say which file, no stack.
        console.error(`rex: cannot write ${target.path}: ${(error as Error).message}`);
        return EXIT.internal;
      }
      console.log(target.path);
    }
  } finally {
    await run.close();
  }
  return EXIT.ok;
}

/** Something is there under that name (a dangling link too: it would be written through). */
function exists(file: string): boolean {
  try {
    fs.lstatSync(file);
    return true;
  } catch {
    return false;
  }
}

/**
 * One target per device (`.<device>` in the name, made safe and distinct), or one for the run.
 * Distinct ignoring case too: `Scope` and `scope` would be one file on macOS and Windows.
 */
function exportTargets(devices: readonly DeviceEntry[], perDevice: boolean, maxBytes: number): { device?: DeviceEntry; suffix: string }[] {
  if (!perDevice) return [{ suffix: '' }];
  const used = new Set<string>();
  return devices.map((device) => {
    // Room left for a `_<n>` that makes it distinct.
    const base = truncateUtf8(sanitizeSessionName(device.name), maxBytes - 6);
    let suffix = `.${base}`;
    for (let n = 2; used.has(suffix.toLowerCase()); n++) suffix = `.${base}_${n}`;
    used.add(suffix.toLowerCase());
    return { device, suffix };
  });
}

/**
 * Writes into a private temporary file beside `target`, syncs it, then gives it that name. Ctrl-C
 * or a SIGTERM midway removes the temporary file (gigabytes, hidden by its dot) before rex exits.
 */
async function writeExport(target: string, force: boolean, write: (temp: string) => Promise<void>): Promise<void> {
  const temp = tempPath(path.dirname(target), path.basename(target));
  const onSignal = (signal: NodeJS.Signals) => {
    fs.rmSync(temp, { force: true });
    process.exit(signal === 'SIGTERM' ? EXIT.terminated : EXIT.interrupted);
  };
  // Before the file exists: a signal must never find it there and no one to remove it.
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  try {
    await (await fs.promises.open(temp, EXCLUSIVE, 0o644)).close();
    await write(temp);
    // On disk before it has its name: after a power cut the name holds the whole file or nothing.
    const written = await fs.promises.open(temp, 'r');
    await written.sync().finally(() => written.close());
    if (force) await fs.promises.rename(temp, target);
    else if (!(await placeExclusively(temp, target))) throw new UsageError(`${target} appeared while it was written (--force replaces it)`);
    await syncDirectoryAsync(path.dirname(target));
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    await fs.promises.rm(temp, { force: true });
  }
}
