/**
 * Writes a file atomically: into a temporary file beside it, fsync, rename over the target, fsync
 * the directory. Readers see the old file or the new one, never half of one (SPEC §5).
 *
 * Temporary files get unguessable names and are created exclusively, never through a link
 * (O_CREAT|O_EXCL|O_NOFOLLOW): a directory another user can write cannot turn a write of rex
 * into a write of some other file.
 *
 * A big file is synced as it is written, not only at the end: the disk then works while the next
 * chunks are formatted, and the final fsync has little left to flush (a 5 GB file left it
 * gigabytes, tens of seconds of waiting).
 */
import fs from 'node:fs';
import path from 'node:path';
import { syncDirectoryAsync } from './journal/writer.js';
import { randomHex } from '../protocol/random.js';
import { isProcessAlive } from './process-alive.js';

const WRITE_BATCH_BYTES = 1 << 20;
const SYNC_EVERY_BYTES = 64 << 20;

export interface AtomicWriteOptions {
  onProgress?: (bytesWritten: number) => void;
  /** A sync is started (and not awaited) each time this much more is written (default 64 MiB). */
  syncEveryBytes?: number;
  /** Aborting stops the write between chunks: the target is left as it was. */
  signal?: AbortSignal;
  /**
   * Puts the finished temporary file in its place (default: renames it over `target`). It may
   * choose another name; it must not leave `temp` behind when it succeeds.
   */
  place?: (temp: string) => Promise<void>;
}

export const EXCLUSIVE = fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_WRONLY | (fs.constants.O_NOFOLLOW ?? 0);

/** `.<base>.<pid>.<random>.tmp` beside `base`: the pid tells whose it is once its writer is gone. */
export function tempPath(dir: string, base: string): string {
  return path.join(dir, `.${base}.${process.pid}.${randomHex(6)}.tmp`);
}

/**
 * writev until every byte is written (a vectored write may stop short).
 * Walks `buffers` by index: shifting the written ones off was quadratic in their number, and a
 * batch of a run with 100,000 small channels holds tens of thousands.
 */
export async function writeAll(handle: fs.promises.FileHandle, buffers: Buffer[]): Promise<number> {
  let first = 0;
  let total = 0;
  while (first < buffers.length) {
    let { bytesWritten } = await handle.writev(first === 0 ? buffers : buffers.slice(first));
    total += bytesWritten;
    while (first < buffers.length && bytesWritten >= buffers[first]!.length) bytesWritten -= buffers[first++]!.length;
    if (bytesWritten > 0) buffers[first] = buffers[first]!.subarray(bytesWritten);
  }
  return total;
}

export async function writeFileAtomically(
  target: string,
  chunks: AsyncIterable<string | Uint8Array>,
  { onProgress, syncEveryBytes = SYNC_EVERY_BYTES, signal, place }: AtomicWriteOptions = {},
): Promise<number> {
  const dir = path.dirname(target);
  await fs.promises.mkdir(dir, { recursive: true });
  await removeStaleTemps(dir, path.basename(target));
  const temp = tempPath(dir, path.basename(target));
  const handle = await fs.promises.open(temp, EXCLUSIVE, 0o666);
  let bytes = 0;
  let syncedUpTo = 0;
  let syncing: Promise<void> | undefined;
  let syncError: unknown;
  try {
    // Each chunk is encoded as it comes (small strings encode fast; one joined megabyte string
    // had to be flattened and encoded whole) and a batch goes in one vectored write.
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    for await (const chunk of chunks) {
      signal?.throwIfAborted();
      const encoded =
        typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      pending.push(encoded);
      pendingBytes += encoded.length;
      if (pendingBytes >= WRITE_BATCH_BYTES) {
        bytes += await writeAll(handle, pending);
        pending = [];
        pendingBytes = 0;
        onProgress?.(bytes);
        if (bytes - syncedUpTo >= syncEveryBytes && syncing === undefined) {
          syncedUpTo = bytes;
          syncing = handle
            .datasync()
            .catch((error: unknown) => (syncError ??= error))
            .then(() => (syncing = undefined));
        }
      }
    }
    if (pending.length > 0) bytes += await writeAll(handle, pending);
    await syncing;
    if (syncError !== undefined) throw syncError;
    await handle.datasync();
  } catch (error) {
    await handle.close().catch(() => {});
    await fs.promises.rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await (place ? place(temp) : fs.promises.rename(temp, target));
  } catch (error) {
    await fs.promises.rm(temp, { force: true });
    throw error;
  }
  await syncDirectoryAsync(dir);
  return bytes;
}

/**
 * Temp files of earlier writes of `base` that were cut short (a crash, kill -9): this process's,
 * and those of processes that are gone. Another live process's write is left alone.
 */
async function removeStaleTemps(dir: string, base: string): Promise<void> {
  const prefix = `.${base}.`;
  const entries = await fs.promises.readdir(dir).catch(() => [] as string[]);
  await Promise.all(
    entries
      .filter((name) => name.startsWith(prefix) && name.endsWith('.tmp'))
      .filter((name) => {
        const pid = Number(name.slice(prefix.length).split('.')[0]);
        return pid === process.pid || !isProcessAlive(pid);
      })
      .map((name) => fs.promises.rm(path.join(dir, name), { force: true })),
  );
}

/**
 * Gives the finished file `temp` the name `target` unless something has that name already (then
 * false, and `temp` stays). A hard link is atomic and never replaces; where the filesystem has no
 * hard links (FAT, some network shares), an empty file made exclusively claims the name first.
 */
export async function placeExclusively(temp: string, target: string): Promise<boolean> {
  try {
    await fs.promises.link(temp, target);
    await fs.promises.unlink(temp);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw error;
  }
  try {
    await (await fs.promises.open(target, EXCLUSIVE, 0o666)).close();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  await fs.promises.rename(temp, target);
  return true;
}

/**
 * `target` becomes what `source` is now: a hard link where both share a filesystem (no copy of a
 * gigabytes-big file; later atomic writes of `source` give it a new inode, so `target` keeps
 * this version), else a copy. Readers of `target` see the old file or the new one.
 */
export async function linkOrCopyAtomically(source: string, target: string): Promise<void> {
  const dir = path.dirname(target);
  await fs.promises.mkdir(dir, { recursive: true });
  const temp = tempPath(dir, path.basename(target));
  // COPYFILE_EXCL: the copy creates its file, never writes into one that is there (or a link's target).
  await fs.promises.link(source, temp).catch(() => fs.promises.copyFile(source, temp, fs.constants.COPYFILE_EXCL));
  try {
    await fs.promises.rename(temp, target);
  } catch (error) {
    await fs.promises.rm(temp, { force: true });
    throw error;
  }
}
