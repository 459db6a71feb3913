/**
 * `rex export FILE --to csv|parquet|hdf5 [-o DIR]`: a run's output file in the formats labs
 * analyse and archive in (docs/export.md). Values are streamed from the file, so memory does not
 * grow with it. Files are written beside FILE (or into DIR) under new names, never over a file
 * that is there unless `--force` says so; each appears whole or not at all.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { DeviceEntry } from '../protocol/run-file/model.js';
import { sanitizeSessionName } from '../protocol/output/file-name.js';
import { EXCLUSIVE, placeExclusively, tempPath } from '../runtime/atomic-file.js';
import { prepareOutputDirectory } from '../runtime/output-dir.js';
import { openRunFile } from '../runtime/run-file/open-run-file.js';
import { EXIT, UsageError } from './exit-codes.js';
import { EXPORT_FORMATS, type ExportFormatName } from './export/formats.js';

export interface ExportOptions {
  to: ExportFormatName;
  output?: string;
  force: boolean;
}

export async function exportCommand(file: string, options: ExportOptions): Promise<number> {
  const source = path.resolve(file);
  const format = EXPORT_FORMATS[options.to];
  const outputDir = path.resolve(options.output ?? path.dirname(source));
  const problem = prepareOutputDirectory(outputDir);
  if (problem) throw new UsageError(`output directory ${outputDir}: ${problem}`);
  const run = await openRunFile(source);
  try {
    const writer = await format.load();
    const stem = path.basename(source).replace(/\.toml$/i, '');
    for (const target of exportTargets(run.devices, format.perDevice)) {
      const name = `${stem}${target.suffix}.${format.extension}`;
      const written = await writeExport(path.join(outputDir, name), options.force, (temp) => writer.write(run, target.device, temp));
      console.log(written);
    }
  } finally {
    await run.close();
  }
  return EXIT.ok;
}

/** One target per device (`.<device>` in the name, made safe and distinct), or one for the run. */
function exportTargets(devices: readonly DeviceEntry[], perDevice: boolean): { device?: DeviceEntry; suffix: string }[] {
  if (!perDevice) return [{ suffix: '' }];
  const used = new Set<string>();
  return devices.map((device) => {
    const base = sanitizeSessionName(device.name);
    let suffix = `.${base}`;
    for (let n = 2; used.has(suffix); n++) suffix = `.${base}_${n}`;
    used.add(suffix);
    return { device, suffix };
  });
}

/** Writes into a private temporary file beside `target`, then gives it that name. */
async function writeExport(target: string, force: boolean, write: (temp: string) => Promise<void>): Promise<string> {
  if (!force && fs.existsSync(target)) throw new UsageError(`${target} exists (--force replaces it)`);
  const temp = tempPath(path.dirname(target), path.basename(target));
  await (await fs.promises.open(temp, EXCLUSIVE, 0o644)).close();
  try {
    await write(temp);
    if (force) await fs.promises.rename(temp, target);
    else if (!(await placeExclusively(temp, target))) throw new UsageError(`${target} appeared while it was written (--force replaces it)`);
  } finally {
    await fs.promises.rm(temp, { force: true });
  }
  return target;
}
