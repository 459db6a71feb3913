/**
 * Side bodies: the body of a big accepted line kept in a file of its own beside the journal, the
 * journal holding a small reference record to it (codec.ts, RecordType.LineRef). The body is
 * written on libuv's thread pool (fs.promises), so the ingest thread goes on deciding, journaling
 * and answering other connections while a 100 MB line is copied into the page cache: appended
 * inline, that copy held every later reply for the whole write.
 *
 * Durability as inline: the body is fdatasync'ed, and its name made durable (directory fsync),
 * before the reference is appended, so a power cut never leaves a reference to a body that is not
 * on disk. A crash between the two leaves an orphan side file and an unacknowledged line; no
 * reader looks at a side file that no record refers to.
 */
import fs from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { byteGroups } from '../../protocol/byte-groups.js';
import { EXCLUSIVE, writeAll } from '../atomic-file.js';
import type { SideBodyRef } from './codec.js';
import { syncDirectoryAsync } from './writer.js';

/**
 * At most this many bytes per read or write call. The kernel copies a call's bytes without
 * letting another thread on its CPU (a kernel without preemption, as this project's test machine
 * runs): a 115 MB body read in one call held a CPU for 200–400 ms, and the store and the
 * file-writer reading it at once stopped every other thread of the machine, the steady client's
 * replies too (bench/README.md, "Timestamps kept as bytes"). In 4 MiB calls, no such stop.
 */
const IO_CHUNK_BYTES = 4 << 20;

/** `loop-1.rexj.<connId>-<streamOffset>.body`: a connection's stream offset names one line only. */
export function sideBodyName(journalPath: string, connId: number, streamOffset: number): string {
  return `${path.basename(journalPath)}.${connId}-${streamOffset}.body`;
}

/**
 * Writes `parts` to the side file `name` beside the journal, synced with its name. `crc`: the
 * body's crc32 when computed elsewhere (the parse pool). A file left there by a crash before its
 * reference was appended (the same line, re-sent) is replaced.
 */
export async function writeSideBody(journalPath: string, name: string, parts: Buffer[], crc?: number): Promise<SideBodyRef> {
  const dir = path.dirname(journalPath);
  const file = path.join(dir, name);
  const handle = await fs.promises.open(file, EXCLUSIVE, 0o644).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
    await fs.promises.unlink(file);
    return fs.promises.open(file, EXCLUSIVE, 0o644);
  });
  let length: number;
  try {
    length = 0;
    for (const group of byteGroups(parts, IO_CHUNK_BYTES)) length += await writeAll(handle, group);
    await handle.datasync();
  } catch (error) {
    await handle.close().catch(() => {});
    await fs.promises.rm(file, { force: true });
    throw error;
  }
  await handle.close();
  await syncDirectoryAsync(dir);
  return { name, length, crc: crc ?? parts.reduce((c, part) => crc32(part, c), 0) };
}

/** Removes a side body whose line was not journaled after all (rejected). */
export async function removeSideBody(journalPath: string, name: string): Promise<void> {
  await fs.promises.rm(path.join(path.dirname(journalPath), name), { force: true });
}

/**
 * Reads the side body a reference points to, checked against its length and crc32. Returns the
 * body (8-aligned: its own memory) or why it cannot be used.
 */
export function readSideBody(journalPath: string, ref: SideBodyRef): Buffer | string {
  if (ref.name !== path.basename(ref.name) || ref.name.startsWith('.'))
    return `side body name ${JSON.stringify(ref.name)} is not a plain file name`;
  const file = path.join(path.dirname(journalPath), ref.name);
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0));
  } catch (error) {
    return `side body ${ref.name}: ${(error as Error).message}`;
  }
  try {
    const size = fs.fstatSync(fd).size;
    if (size !== ref.length) return `side body ${ref.name} holds ${size} bytes, not ${ref.length}`;
    const body = Buffer.allocUnsafeSlow(ref.length);
    let filled = 0;
    while (filled < ref.length) {
      const n = fs.readSync(fd, body, filled, Math.min(IO_CHUNK_BYTES, ref.length - filled), filled);
      if (n === 0) return `side body ${ref.name} ended at ${filled} of ${ref.length} bytes`;
      filled += n;
    }
    if (crc32(body) !== ref.crc) return `side body ${ref.name}: checksum mismatch`;
    return body;
  } finally {
    fs.closeSync(fd);
  }
}
