/**
 * `rex ls [DIR...] [--json]`: the runs in output directories, newest first (docs/export.md). Not
 * recursive. Files that could not be read are named on stderr; the others are still listed.
 */
import fs from 'node:fs';
import { formatBytes } from '../protocol/human-units.js';
import { listRuns, type RunListEntry } from '../runtime/run-file/list-runs.js';
import { RunListCache } from '../runtime/run-file/run-list-cache.js';
import { EXIT, UsageError } from './exit-codes.js';
import { durationText, localTime, statusText } from './run-text.js';

export interface LsOptions {
  json: boolean;
}

const HEADER = ['SESSION', 'START', 'DURATION', 'STATUS', 'DEVICES', 'SIZE', 'FILE'];

export async function lsCommand(dirs: string[], options: LsOptions): Promise<number> {
  const targets = dirs.length > 0 ? dirs : ['.'];
  for (const dir of targets) {
    const stat = fs.statSync(dir, { throwIfNoEntry: false });
    if (!stat) throw new UsageError(`${dir}: no such directory`);
    if (!stat.isDirectory()) throw new UsageError(`${dir}: not a directory (rex ls lists directories; rex show FILE shows one run)`);
  }
  const { runs, problems } = await listRuns(targets, { listCache: RunListCache.open() });
  for (const problem of problems) console.error(`rex: could not read ${problem}`);
  if (options.json) process.stdout.write(`${JSON.stringify(runs, null, 2)}\n`);
  else process.stdout.write(runs.length === 0 ? `no runs in ${targets.join(', ')}\n` : table(runs.map(row)));
  return EXIT.ok;
}

function row(run: RunListEntry): string[] {
  const devices = run.devices.map((d) => `${d.name} (${d.channels.length})`).join(', ');
  return [run.session ?? '-', localTime(run.start), durationText(run), statusText(run), devices || '-', formatBytes(run.bytes), run.file];
}

/** Columns padded to their widest cell (the last one is not padded). */
function table(rows: string[][]): string {
  const all = [HEADER, ...rows];
  const widths = HEADER.map((_, c) => Math.max(...all.map((r) => [...r[c]!].length)));
  const line = (r: string[]) =>
    r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]! + cell.length - [...cell].length))).join('  ');
  return `${all.map(line).join('\n')}\n`;
}
