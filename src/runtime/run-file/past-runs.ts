/**
 * The output files in the allowed output directories, as `GET /runs` lists them and the other
 * `/runs/:id` endpoints open them (docs/serve.md "Past runs"). Clients never send a path: each
 * run has an id, `<dir index>/<file name>` in base64url (the index into `allowed_output_dirs`),
 * that names a file directly in that directory (the listing is not recursive, as `rex ls`).
 *
 * Links are never followed out of a directory: each allowed directory is taken by its real path,
 * a name cannot hold a separator, and files are opened with O_NOFOLLOW, so a symbolic link in an
 * allowed directory is neither listed nor opened, wherever it points. Indexes are cached by
 * (file, size, modification time), so listing again does not read every file again.
 */
import fs from 'node:fs';
import path from 'node:path';
import { isRunOutput, listRuns, type RunListEntry } from './list-runs.js';
import { OPEN_NO_FOLLOW, runFileOn } from './open-run-file.js';
import type { RunFile } from './run-file.js';
import { RunIndexCache } from './run-index-cache.js';

/** Indexes kept: a listing of up to this many files is not read again. */
export const MAX_CACHED_INDEXES = 1000;

/** Characters of an id: a 255-byte file name and the directory index, in base64url, with room to spare. */
export const MAX_RUN_ID_LENGTH = 512;

export type PastRunEntry = RunListEntry & { id: string };

export function runId(dirIndex: number, name: string): string {
  return Buffer.from(`${dirIndex}/${name}`, 'utf8').toString('base64url');
}

/** The directory index and file name an id stands for; undefined when it is no id this server gives. */
export function parseRunId(id: string, dirCount: number): { dirIndex: number; name: string } | undefined {
  if (id.length > MAX_RUN_ID_LENGTH || !/^[A-Za-z0-9_-]+$/.test(id)) return undefined;
  const text = Buffer.from(id, 'base64url').toString('utf8');
  // One spelling per id (no padding variants, no bytes that are not UTF-8).
  const match = /^(0|[1-9]\d{0,5})\/([^/\\\0]+)$/.exec(text);
  if (match === null || runId(Number(match[1]), match[2]!) !== id) return undefined;
  const dirIndex = Number(match[1]);
  const name = match[2]!;
  if (dirIndex >= dirCount || !listable(name)) return undefined;
  return { dirIndex, name };
}

/** As ../../runtime/run-file/list-runs.ts lists: `*.toml`, no dot files (rex's temporaries). */
const listable = (name: string): boolean => !name.startsWith('.') && /\.toml$/i.test(name);

export interface OpenedRun {
  run: RunFile;
  /** The run's own handle (its close() closes it), for streaming the file. */
  handle: fs.promises.FileHandle;
  name: string;
  /** As listed: the allowed directory as configured, joined with the name. */
  file: string;
}

export class PastRuns {
  private readonly cache = new RunIndexCache(MAX_CACHED_INDEXES);

  /** `dirs`: the allowed output directories, absolute, as configured. */
  constructor(private readonly dirs: readonly string[]) {}

  /** Newest first; `problems` names the files (and directories) that could not be read. */
  async list(): Promise<{ runs: PastRunEntry[]; problems: string[] }> {
    const problems: string[] = [];
    const indexOfReal = new Map<string, number>();
    for (const [i, dir] of this.dirs.entries()) {
      try {
        const real = await fs.promises.realpath(dir);
        if (!(await fs.promises.stat(real)).isDirectory()) problems.push(`${dir}: not a directory`);
        else if (!indexOfReal.has(real)) indexOfReal.set(real, i);
      } catch (error) {
        // A directory no run has written to yet.
        problems.push(`${dir}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such directory' : (error as Error).message}`);
      }
    }
    const listed = await listRuns([...indexOfReal.keys()], { noFollow: true, indexCache: this.cache });
    const runs = listed.runs.map((entry) => {
      const dirIndex = indexOfReal.get(path.dirname(entry.file))!;
      const name = path.basename(entry.file);
      return { id: runId(dirIndex, name), ...entry, file: path.join(this.dirs[dirIndex]!, name) };
    });
    return { runs, problems: [...problems, ...listed.problems] };
  }

  /** The run output file an id names, open (the caller closes it); undefined when the id names no such file. */
  async open(id: string): Promise<OpenedRun | undefined> {
    const opened = await this.openFile(id);
    if (opened === undefined) return undefined;
    const { handle, real, name, file } = opened;
    try {
      const run = await runFileOn(handle, real, { indexCache: this.cache });
      if (isRunOutput(run)) return { run, handle, name, file };
    } catch {
      // Not a file, or not TOML: not listed either.
    }
    await handle.close();
    return undefined;
  }

  /**
   * The file an id names, open but not read (the caller closes it): for the parts of a download
   * after its first, which `open` checked; undefined when there is no such file.
   */
  async openFile(id: string): Promise<{ handle: fs.promises.FileHandle; real: string; name: string; file: string } | undefined> {
    const parsed = parseRunId(id, this.dirs.length);
    if (parsed === undefined) return undefined;
    try {
      const real = path.join(await fs.promises.realpath(this.dirs[parsed.dirIndex]!), parsed.name);
      // A link (O_NOFOLLOW refuses one too, where the system has it), or a FIFO, whose opening would wait for a writer.
      if (!(await fs.promises.lstat(real)).isFile()) return undefined;
      const handle = await fs.promises.open(real, OPEN_NO_FOLLOW);
      return { handle, real, name: parsed.name, file: path.join(this.dirs[parsed.dirIndex]!, parsed.name) };
    } catch {
      // No such directory or file, or a link.
      return undefined;
    }
  }
}
