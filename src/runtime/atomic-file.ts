/**
 * Writes a file atomically: into a temporary file beside it, fsync, rename over the target, fsync
 * the directory. Readers see the old file or the new one, never half of one (SPEC §5).
 */
import fs from 'node:fs';
import path from 'node:path';
import { syncDirectory } from './journal/writer.js';

const WRITE_BATCH_CHARS = 1 << 20;

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
    let pending = '';
    for await (const chunk of chunks) {
      pending += chunk;
      if (pending.length >= WRITE_BATCH_CHARS) {
        bytes += (await handle.write(pending)).bytesWritten;
        pending = '';
        onProgress?.(bytes);
      }
    }
    if (pending.length > 0) bytes += (await handle.write(pending)).bytesWritten;
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
