/**
 * Appends records to a run's journal. Appends are synchronous `writev`s: when `append` returns, the
 * bytes are in the OS (page cache), which is the point after which a reply may be sent. A periodic
 * `fdatasync` bounds what a power cut can take (see docs/reliability.md); it runs on libuv's
 * thread pool, because flushing a second of fast traces can take a good part of a second, and the
 * writer's thread must go on appending meanwhile. `close` syncs synchronously.
 */
import fs from 'node:fs';
import path from 'node:path';
import { JOURNAL_MAGIC, decodeRecordAt } from './codec.js';

export interface JournalWriterOptions {
  /** How often dirty data is forced to the device, in ms. 0 disables the timer (tests). */
  syncIntervalMs?: number;
  /** An fdatasync failed: acknowledged data is in the page cache but not known to be on disk. */
  onSyncError?: (error: Error) => void;
}

export class JournalWriter {
  private dirty = false;
  private syncFailing = false;
  private closed = false;
  /** An asynchronous fdatasync is running: the descriptor stays open until it is done. */
  private syncInFlight = false;
  private closeWhenSynced = false;
  private readonly syncTimer: NodeJS.Timeout | undefined;
  private completeLength: number;

  private constructor(
    readonly path: string,
    private readonly fd: number,
    private size: number,
    private readonly options: JournalWriterOptions,
  ) {
    this.completeLength = size;
    const interval = options.syncIntervalMs ?? 1000;
    if (interval > 0) {
      this.syncTimer = setInterval(() => this.syncInBackground(), interval);
      this.syncTimer.unref();
    }
  }

  /** Creates a new journal holding `firstRecords` (the run-start record), synced to disk. */
  static create(filePath: string, firstRecords: Buffer[], options: JournalWriterOptions = {}): JournalWriter {
    fs.mkdirSync(path.dirname(filePath), { recursive: true });
    const fd = fs.openSync(filePath, 'wx');
    const writer = new JournalWriter(filePath, fd, 0, options);
    try {
      writer.append([JOURNAL_MAGIC, ...firstRecords]);
      fs.fdatasyncSync(fd);
    } catch (error) {
      // No half-made journal left behind (nor its descriptor).
      writer.close();
      fs.rmSync(filePath, { force: true });
      throw namingJournal(filePath, error);
    }
    syncDirectory(path.dirname(filePath));
    return writer;
  }

  /**
   * Reopens an existing journal for appending (a restarted writer). A torn tail left by a crash in
   * the middle of an append is cut off, so new records follow the last intact one.
   */
  static reopen(filePath: string, options: JournalWriterOptions = {}): JournalWriter {
    const intactLength = intactJournalLength(filePath);
    const fd = fs.openSync(filePath, 'r+');
    if (fs.fstatSync(fd).size !== intactLength) fs.ftruncateSync(fd, intactLength);
    return new JournalWriter(filePath, fd, intactLength, options);
  }

  get bytesWritten(): number {
    return this.size;
  }

  /**
   * The journal's length up to the end of the last append that completed: whole records, each
   * checksummed as it was encoded (or, below where a reopened journal was cut, verified then).
   * Unlike `bytesWritten`, never inside a record that an append failed to finish.
   */
  get intactLength(): number {
    return this.completeLength;
  }

  /** Writes all buffers, in order, with as few syscalls as possible. Throws on I/O errors. */
  append(buffers: Buffer[]): void {
    if (this.closed) throw new Error(`journal ${this.path} is closed`);
    let pending = buffers.filter((b) => b.length > 0);
    while (pending.length > 0) {
      // Positional writes keep the file consistent even if an earlier partial write happened.
      let written: number;
      try {
        written = fs.writevSync(this.fd, pending.slice(0, 1024), this.size);
      } catch (error) {
        throw namingJournal(this.path, error);
      }
      this.size += written;
      let consumed = 0;
      while (consumed < pending.length && written >= pending[consumed]!.length) {
        written -= pending[consumed]!.length;
        consumed++;
      }
      pending = pending.slice(consumed);
      if (written > 0 && pending.length > 0) pending[0] = pending[0]!.subarray(written);
    }
    this.completeLength = this.size;
    this.dirty = true;
  }

  private syncInBackground(): void {
    if (!this.dirty || this.closed || this.syncInFlight) return;
    this.dirty = false;
    this.syncInFlight = true;
    fs.fdatasync(this.fd, (error) => {
      this.syncInFlight = false;
      if (this.closeWhenSynced) fs.closeSync(this.fd);
      else if (error) this.syncFailed(error);
      else this.syncFailing = false;
    });
  }

  private syncFailed(error: Error): void {
    // Retried on the next tick (the data is still in the page cache); reported once per streak.
    this.dirty = true;
    if (!this.syncFailing) this.options.onSyncError?.(namingJournal(this.path, error) as Error);
    this.syncFailing = true;
  }

  syncNow(): void {
    if (!this.dirty || this.closed) return;
    this.dirty = false;
    try {
      fs.fdatasyncSync(this.fd);
      this.syncFailing = false;
    } catch (error) {
      this.syncFailed(error as Error);
    }
  }

  close(): void {
    if (this.closed) return;
    if (this.syncTimer) clearInterval(this.syncTimer);
    this.dirty ||= this.syncInFlight; // what the background sync covers is synced again here
    this.syncNow();
    this.closed = true;
    if (this.syncInFlight) this.closeWhenSynced = true;
    else fs.closeSync(this.fd);
  }
}

/** Length of the journal's intact prefix: magic plus every complete, checksum-valid record. */
export function intactJournalLength(filePath: string): number {
  const fd = fs.openSync(filePath, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const magic = Buffer.alloc(JOURNAL_MAGIC.length);
    fs.readSync(fd, magic, 0, magic.length, 0);
    if (!magic.equals(JOURNAL_MAGIC)) throw new Error(`${filePath} is not a rex journal (bad magic)`);
    let offset = JOURNAL_MAGIC.length;
    const header = Buffer.alloc(8);
    while (offset + 8 <= size) {
      fs.readSync(fd, header, 0, 8, offset);
      const length = header.readUInt32LE(0);
      if (length < 32 || offset + length > size) break;
      const record = Buffer.allocUnsafe(length);
      fs.readSync(fd, record, 0, length, offset);
      if (decodeRecordAt(record, 0, offset).status !== 'record') break;
      offset += length;
    }
    return offset;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Node's write and sync errors do not say which file failed ("ENOSPC: no space left on device,
 * write"); a journal error must, so the user knows which disk is full. Code and errno are kept.
 */
function namingJournal(filePath: string, error: unknown): unknown {
  if (error instanceof Error && !error.message.includes(filePath)) error.message = `journal ${filePath}: ${error.message}`;
  return error;
}

/** fsync a directory so a newly created file's name survives a power cut. Best effort. */
export function syncDirectory(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // Not supported on every platform/filesystem; the journal data itself is still synced.
  }
}

/** syncDirectory on libuv's thread pool, for a thread that must not wait on the disk (the ingest). */
export async function syncDirectoryAsync(dir: string): Promise<void> {
  try {
    const handle = await fs.promises.open(dir, 'r');
    await handle.sync().finally(() => handle.close());
  } catch {
    // As syncDirectory: best effort.
  }
}
