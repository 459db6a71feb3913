/**
 * What `rex ls` found in each file, kept between invocations so that listing a directory again
 * does not read every file again: a file's entry takes one pass over the whole file (~0.25 s per
 * 100 MB), a cached one a small read. An entry holds while the file is the same one (device,
 * inode) with the same size, modification and change times, listed in the same time zone; rex
 * writes its files whole and renames them into place, and the change time cannot be set back by
 * anyone.
 *
 * Where: `run-list` in the user's cache (../user-cache.ts), one small JSON file per listed path.
 * Nothing here is needed: any failure means the file is read instead.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileIdentity, privateCacheDir, readCacheFile, replaceCacheFile } from '../user-cache.js';
import type { RunListEntry } from './list-runs.js';

/** What a file was found to be: a run (its entry, and the order `rex ls` sorts by), or not one. */
export type ListedFile = { entry: RunListEntry; order: bigint } | null;

/** Entries kept; past this the oldest are removed (one entry is ~1 KB). */
const MAX_ENTRIES = 10_000;

export class RunListCache {
  private constructor(private readonly dir: string) {}

  /** The user's cache, made if missing; null when there is none that is safe to use. */
  static open(env: NodeJS.ProcessEnv = process.env): RunListCache | null {
    const dir = privateCacheDir('run-list', env);
    if (dir === null) return null;
    try {
      const cache = new RunListCache(dir);
      cache.prune();
      return cache;
    } catch {
      return null;
    }
  }

  /** The entry of `file` if it was listed as it is now; undefined otherwise. */
  get(file: string, stat: fs.BigIntStats): ListedFile | undefined {
    const text = readCacheFile(this.entryPath(file));
    if (text === undefined) return undefined;
    try {
      const stored = JSON.parse(text) as Stored;
      if (stored.key !== keyOf(stat)) return undefined;
      return stored.listed === null ? null : { entry: { ...stored.listed.entry, file }, order: BigInt(stored.listed.order) };
    } catch {
      return undefined;
    }
  }

  set(file: string, stat: fs.BigIntStats, listed: ListedFile): void {
    const stored: Stored = { key: keyOf(stat), listed: listed && { entry: listed.entry, order: listed.order.toString() } };
    replaceCacheFile(this.entryPath(file), JSON.stringify(stored));
  }

  private entryPath(file: string): string {
    return path.join(this.dir, `${createHash('sha256').update(path.resolve(file)).digest('hex')}.json`);
  }

  /** Keeps the newest MAX_ENTRIES (and removes temporaries left by a process that died). */
  private prune(): void {
    const names = fs.readdirSync(this.dir);
    if (names.length <= MAX_ENTRIES) return;
    const entries = names.map((name) => {
      const file = path.join(this.dir, name);
      return { file, mtimeMs: fs.lstatSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0 };
    });
    entries.sort((a, b) => b.mtimeMs - a.mtimeMs);
    for (const { file } of entries.slice(MAX_ENTRIES)) fs.rmSync(file, { force: true });
  }
}

interface Stored {
  key: string;
  listed: { entry: RunListEntry; order: string } | null;
}

/**
 * The file's identity, and the time zone: the original rex's times are local, read in the zone of
 * whoever lists them.
 */
const keyOf = (s: fs.BigIntStats): string => `${fileIdentity(s)}:${Intl.DateTimeFormat().resolvedOptions().timeZone}`;
