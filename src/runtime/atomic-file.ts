/**
 * Writes a file atomically: into a temporary file beside it, fsync, rename over the target, fsync
 * the directory. Readers see the old file or the new one, never half of one (SPEC §5).
 */
import fs from 'node:fs';
import path from 'node:path';
import { syncDirectory } from './journal/writer.js';

const WRITE_BATCH_BYTES = 1 << 20;

/** writev until every byte is written (a vectored write may stop short). */
async function writeAll(handle: fs.promises.FileHandle, buffers: Buffer[]): Promise<number> {
  let rest = buffers;
  let total = 0;
  while (rest.length > 0) {
    let { bytesWritten } = await handle.writev(rest);
    total += bytesWritten;
    while (rest.length > 0 && bytesWritten >= rest[0]!.length) bytesWritten -= rest.shift()!.length;
    if (bytesWritten > 0) rest[0] = rest[0]!.subarray(bytesWritten);
  }
  return total;
}

export async function writeFileAtomically(
  target: string,
  chunks: AsyncIterable<string>,
  onProgress?: (bytesWritten: number) => void,
): Promise<number> {
  const dir = path.dirname(target);
  await fs.promises.mkdir(dir, { recursive: true });
  await removeStaleTemps(dir, path.basename(target));
  const temp = path.join(dir, `.${path.basename(target)}.${process.pid}.${Date.now()}.tmp`);
  const handle = await fs.promises.open(temp, 'w');
  let bytes = 0;
  try {
    // Each chunk is encoded as it comes (small strings encode fast; one joined megabyte string
    // had to be flattened and encoded whole) and a batch goes in one vectored write.
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    for await (const chunk of chunks) {
      const encoded = Buffer.from(chunk, 'utf8');
      pending.push(encoded);
      pendingBytes += encoded.length;
      if (pendingBytes >= WRITE_BATCH_BYTES) {
        bytes += await writeAll(handle, pending);
        pending = [];
        pendingBytes = 0;
        onProgress?.(bytes);
      }
    }
    if (pending.length > 0) bytes += await writeAll(handle, pending);
    await handle.datasync();
  } catch (error) {
    await handle.close().catch(() => {});
    await fs.promises.rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  await fs.promises.rename(temp, target);
  syncDirectory(dir);
  return bytes;
}

/** Temp files of earlier writes of `base` that were cut short (a crash, kill -9). */
async function removeStaleTemps(dir: string, base: string): Promise<void> {
  const prefix = `.${base}.`;
  const entries = await fs.promises.readdir(dir).catch(() => [] as string[]);
  await Promise.all(
    entries.filter((name) => name.startsWith(prefix) && name.endsWith('.tmp')).map((name) => fs.promises.rm(path.join(dir, name), { force: true })),
  );
}

export async function copyFileAtomically(source: string, target: string): Promise<void> {
  const dir = path.dirname(target);
  await fs.promises.mkdir(dir, { recursive: true });
  const temp = path.join(dir, `.${path.basename(target)}.${process.pid}.tmp`);
  await fs.promises.copyFile(source, temp);
  await fs.promises.rename(temp, target);
}
