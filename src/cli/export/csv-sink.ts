/**
 * A file written from a byte buffer that is filled in place (the CSV export formats values into
 * it: no string per value). Two buffers take turns: one is written while the other fills. Each
 * write call is at most {@link BUFFER_BYTES}: the kernel copies a call's bytes without letting
 * another thread on its CPU, and calls of 100 MB stopped the whole machine for hundreds of ms
 * (src/runtime/journal/side-body.ts, IO_CHUNK_BYTES). The file is synced as it grows, so the
 * final sync has little left (src/runtime/atomic-file.ts).
 */
import fs from 'node:fs';
import { writeAll } from '../../runtime/atomic-file.js';

const BUFFER_BYTES = 4 << 20;
const SYNC_EVERY_BYTES = 64 << 20;
const OPEN_FLAGS = fs.constants.O_WRONLY | fs.constants.O_TRUNC | (fs.constants.O_NOFOLLOW ?? 0);

export class ByteSink {
  /** The buffer being filled: write bytes at `pos`, after {@link room} made space for them. */
  out: Buffer;
  pos = 0;
  private spare: Buffer;
  private writing: Promise<void> = Promise.resolve();
  private syncing: Promise<void> | undefined;
  private failure: unknown;
  private written = 0;
  private syncedUpTo = 0;

  private constructor(
    private readonly handle: fs.promises.FileHandle,
    capacity: number,
  ) {
    this.out = Buffer.allocUnsafe(capacity);
    this.spare = Buffer.allocUnsafe(capacity);
  }

  /** Opens `path` (an existing file, emptied). */
  static async open(path: string): Promise<ByteSink> {
    return new ByteSink(await fs.promises.open(path, OPEN_FLAGS), BUFFER_BYTES);
  }

  /** Makes room for `bytes` more at `pos`, writing out what is there if needed. */
  async room(bytes: number): Promise<void> {
    if (this.pos + bytes <= this.out.length) return;
    await this.flush();
    // A line longer than a buffer (a channel name of megabytes): this buffer grows for it.
    if (bytes > this.out.length) this.out = Buffer.allocUnsafe(bytes);
  }

  /** Starts writing the filled buffer (at most one write in flight) and swaps in the other. */
  async flush(): Promise<void> {
    await this.writing;
    if (this.failure !== undefined) throw this.failure;
    if (this.pos === 0) return;
    const filled = this.out.subarray(0, this.pos);
    this.writing = this.write(filled).then(
      () => this.wrote(filled.length),
      (error: unknown) => {
        this.failure ??= error;
      },
    );
    [this.out, this.spare] = [this.spare, this.out];
    this.pos = 0;
  }

  /** Writes the rest, syncs and closes. */
  async finish(): Promise<void> {
    try {
      await this.flush();
      await this.writing;
      await this.syncing;
      if (this.failure !== undefined) throw this.failure;
      await this.handle.datasync();
    } finally {
      await this.close();
    }
  }

  /** Closes without finishing (after a failure: the command removes the file). */
  async close(): Promise<void> {
    await this.writing;
    await this.syncing;
    await this.handle.close().catch(() => {});
  }

  /** In calls of at most BUFFER_BYTES (a grown buffer holds more). */
  private async write(bytes: Buffer): Promise<void> {
    for (let at = 0; at < bytes.length; at += BUFFER_BYTES) await writeAll(this.handle, [bytes.subarray(at, at + BUFFER_BYTES)]);
  }

  private wrote(bytes: number): void {
    this.written += bytes;
    if (this.written - this.syncedUpTo < SYNC_EVERY_BYTES || this.syncing !== undefined) return;
    this.syncedUpTo = this.written;
    this.syncing = this.handle.datasync().then(
      () => {
        this.syncing = undefined;
      },
      (error: unknown) => {
        this.failure ??= error;
        this.syncing = undefined;
      },
    );
  }
}
