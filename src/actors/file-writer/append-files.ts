/**
 * Append-mode descriptors for the spill files, kept open and reused: `appendFileSync(path)` opens
 * and closes the file each time, and with 10k-point traces those two syscalls were a tenth of the
 * file-writer's busy time. At most `limit` stay open (the least recently used is closed first), so
 * a run with thousands of channels does not run out of descriptors. Descriptors belong to the
 * process, not the thread: a file-writer that crashes leaves its (at most `limit`) open until rex
 * exits; the restart budget bounds how many times.
 */
import fs from 'node:fs';

const DEFAULT_OPEN_LIMIT = 32;

export class AppendFiles {
  /** In use order: a Map iterates in insertion order, and each use re-inserts. */
  private readonly open = new Map<string, number>();

  constructor(private readonly limit = DEFAULT_OPEN_LIMIT) {}

  /** Appends `data` to the file at `path` (O_APPEND: at its end, even after it was rewritten). */
  append(path: string, data: Uint8Array | string): void {
    let fd = this.open.get(path);
    if (fd === undefined) {
      if (this.open.size >= this.limit) this.closeLeastRecent();
      fd = fs.openSync(path, 'a');
    } else {
      this.open.delete(path);
    }
    this.open.set(path, fd);
    fs.appendFileSync(fd, data);
  }

  closeAll(): void {
    for (const fd of this.open.values()) fs.closeSync(fd);
    this.open.clear();
  }

  private closeLeastRecent(): void {
    const [path, fd] = this.open.entries().next().value as [string, number];
    this.open.delete(path);
    fs.closeSync(fd);
  }
}
