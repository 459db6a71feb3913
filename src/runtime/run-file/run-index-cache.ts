/**
 * Indexes of output files already read, so that listing a directory again (`rex serve`'s
 * `GET /runs`, a page refresh) does not read every file again: an index is about 0.4 s per GB to
 * build. An entry holds while the file is the same one (device, inode) with the same size and
 * modification time; rex writes its files whole and renames them into place, so a rewritten file
 * is a new inode. Bounded: the least recently used entries are dropped.
 */
import type { Stats } from 'node:fs';
import type { RunFileIndex } from '../../protocol/run-file/model.js';

export class RunIndexCache {
  private readonly entries = new Map<string, { key: string; index: RunFileIndex }>();

  constructor(readonly maxEntries = 1000) {}

  get(path: string, stat: Stats): RunFileIndex | undefined {
    const entry = this.entries.get(path);
    if (entry === undefined || entry.key !== keyOf(stat)) return undefined;
    // Most recently used last.
    this.entries.delete(path);
    this.entries.set(path, entry);
    return entry.index;
  }

  set(path: string, stat: Stats, index: RunFileIndex): void {
    this.entries.delete(path);
    this.entries.set(path, { key: keyOf(stat), index });
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  get size(): number {
    return this.entries.size;
  }
}

const keyOf = (stat: Stats): string => `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeMs}`;
