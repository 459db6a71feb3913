/**
 * The runs in output directories, newest first (`rex ls`; the browser view lists them too). Each
 * `*.toml` file directly in a directory (not in its subdirectories) is opened for its index only;
 * TOML files that are not run output files (e.g. configs) are left out quietly, files that cannot
 * be read are named in `problems`.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { RunFileIndex } from '../../protocol/run-file/model.js';
import { sessionTimeNanos } from '../../protocol/run-file/session-time.js';
import { formatRexTimestamp } from '../../protocol/timestamps.js';
import { type OpenOptions, openRunFile } from './open-run-file.js';
import type { ListedFile, RunListCache } from './run-list-cache.js';

/** One run as `rex ls --json` prints it (docs/export.md lists the fields). */
export interface RunListEntry {
  file: string;
  session: string | null;
  uuid: string | null;
  /** RFC 3339, UTC; null if the file's start_time cannot be read. */
  start: string | null;
  /** RFC 3339, UTC; null while the run goes on (end_time ''), or if it cannot be read. */
  end: string | null;
  durationSeconds: number | null;
  /** The file is a live one: end_time '' and status `running` (or none, in an original rex file). */
  running: boolean;
  /** `[session.run] status` as written (`script-exit`, `running`, …); null in the original rex's files. */
  status: string | null;
  exitCode: number | null;
  devices: { name: string; channels: { name: string; unit: string; shape: 'single' | 'trace'; count: number }[] }[];
  results: { name: string; pass: boolean | null }[];
  bytes: number;
}

export interface RunList {
  /** Newest first: by session start, or by the file's modification time when the start cannot be read. */
  runs: RunListEntry[];
  /** `<file>: <why>` for each file that could not be read. */
  problems: string[];
}

/** Files opened at once: a few, as opening one reads its index. */
const OPEN_AT_ONCE = 4;

export interface ListOptions extends OpenOptions {
  /** What earlier listings found (`rex ls`): a file listed as it is now is not read again. */
  listCache?: RunListCache | null;
}

/**
 * Lists the runs in `dirs`. A directory that cannot be read rejects with the fs error. `options`
 * are for opening each file: with `noFollow`, symbolic links are left out quietly.
 */
export async function listRuns(dirs: readonly string[], options: ListOptions = {}): Promise<RunList> {
  const files: string[] = [];
  for (const dir of dirs) {
    for (const dirent of await fs.readdir(dir, { withFileTypes: true })) {
      // Dot files are rex's temporaries (`.<name>.toml.<pid>.<random>.tmp`) or not ours.
      if (dirent.name.startsWith('.') || !/\.toml$/i.test(dirent.name) || dirent.isDirectory()) continue;
      files.push(path.join(dir, dirent.name));
    }
  }
  const found: { entry: RunListEntry; order: bigint }[] = [];
  const problems: string[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const file = files[next++]!;
      try {
        const listed = await readEntry(file, options);
        if (listed) found.push(listed);
      } catch (error) {
        // One line per file: a TOML error's message goes on to quote the lines around it.
        const message = (error as Error).message.split('\n')[0]!;
        problems.push(message.startsWith(file) ? message : `${file}: ${message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(OPEN_AT_ONCE, files.length) }, worker));
  found.sort((a, b) => (a.order === b.order ? a.entry.file.localeCompare(b.entry.file) : a.order > b.order ? -1 : 1));
  return { runs: found.map((f) => f.entry), problems: problems.sort() };
}

async function readEntry(file: string, options: ListOptions): Promise<ListedFile> {
  const stat = await (options.noFollow ? fs.lstat(file, { bigint: true }) : fs.stat(file, { bigint: true }));
  if (!stat.isFile()) return null;
  const cached = options.listCache?.get(file, stat);
  if (cached !== undefined) return cached;
  const run = await openRunFile(file, options);
  let listed: ListedFile = null;
  try {
    if (isRunOutput(run)) {
      const start = run.session.startTime === undefined ? null : sessionTimeNanos(run.session.startTime);
      listed = { entry: runListEntry(run), order: start ?? stat.mtimeNs };
    }
  } finally {
    await run.close();
  }
  options.listCache?.set(file, stat, listed);
  return listed;
}

/**
 * An output file has `[session]` with its UUID and times, or channels with data; a config file
 * (even the session config, with `[session.info]` and `[device.<name>]`) or another tool's TOML has neither.
 */
export function isRunOutput(index: RunFileIndex): boolean {
  const s = index.session;
  return s.uuid !== undefined || s.startTime !== undefined || index.devices.some((d) => d.channels.length > 0);
}

/** What `rex ls` says of one run, from its index. */
export function runListEntry(index: RunFileIndex): RunListEntry {
  const { session } = index;
  const startNs = session.startTime === undefined ? null : sessionTimeNanos(session.startTime);
  const endNs = session.endTime === undefined ? null : sessionTimeNanos(session.endTime);
  const iso = (ns: bigint | null): string | null => {
    try {
      return ns === null ? null : formatRexTimestamp(ns);
    } catch {
      return null; // a year outside 0–9999
    }
  };
  const name = session.info.session_name;
  const status = session.run.status;
  const exitCode = session.run.exit_code;
  return {
    file: index.path,
    session: typeof name === 'string' ? name : null,
    uuid: session.uuid ?? null,
    start: iso(startNs),
    end: iso(endNs),
    durationSeconds: startNs !== null && endNs !== null ? Number(endNs - startNs) / 1e9 : null,
    running: session.endTime === '' && (status === undefined || status === 'running'),
    status: typeof status === 'string' ? status : null,
    exitCode: typeof exitCode === 'number' ? exitCode : typeof exitCode === 'bigint' ? Number(exitCode) : null,
    devices: index.devices.map((d) => ({
      name: d.name,
      channels: d.channels.map((c) => ({ name: c.name, unit: c.unit, shape: c.shape, count: c.count })),
    })),
    results: index.results.map((r) => ({ name: r.name, pass: r.pass ?? null })),
    bytes: index.bytes,
  };
}
