/**
 * Opens an output file for reading: one pass builds its index (channels' arrays are counted, not
 * read), then each channel's values and timestamps are streamed from where the index says they
 * start. Memory stays bounded by the chunks asked for, whatever the file's size.
 */
import fs from 'node:fs';
import { type ArrayCollector, RowsCollector, TextCollector, ValuesCollector } from '../../protocol/run-file/array-collectors.js';
import { RunFileIndexBuilder } from '../../protocol/run-file/index-builder.js';
import type { ArraySpan, ChannelEntry } from '../../protocol/run-file/model.js';
import { TomlScanner, TomlSyntaxError } from '../../protocol/run-file/toml-scanner.js';
import type { RunIndexCache } from './run-index-cache.js';
import { type RunFile, RunFileError } from './run-file.js';

/** Bytes per read: big enough to keep the disk streaming, small enough for many cursors at once. */
const READ_BYTES = 256 * 1024;
/** The index's reads: one pass over the whole file, read ahead (at most 4 MiB a call: see journal/side-body.ts). */
const INDEX_READ_BYTES = 1024 * 1024;
/** A single token (a string) longer than this is refused, not buffered. */
const MAX_TOKEN_BYTES = 256 * 1024 * 1024;

export interface OpenOptions {
  /** Bytes per read (tests make it tiny, to cut every token somewhere). */
  readBytes?: number;
  /** Refuse a path whose last part is a symbolic link (O_NOFOLLOW), as `rex serve` does. */
  noFollow?: boolean;
  /** Indexes already built: one still valid for this file is taken instead of reading the file. */
  indexCache?: RunIndexCache;
}

/**
 * Flags to open a file for reading but not through a link (where the system has O_NOFOLLOW; Windows
 * has not), nor wait on a FIFO put in the file's place (O_NONBLOCK; no effect on a regular file).
 */
const OPEN_READ = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0);
export const OPEN_NO_FOLLOW = OPEN_READ | (fs.constants.O_NOFOLLOW ?? 0);

export async function openRunFile(path: string, options: OpenOptions = {}): Promise<RunFile> {
  let handle: fs.promises.FileHandle;
  try {
    // Non-blocking: a FIFO named like a run file is refused below (not a file) instead of waiting for a writer.
    handle = await fs.promises.open(path, options.noFollow ? OPEN_NO_FOLLOW : OPEN_READ);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new RunFileError(
      `${path}: ${code === 'ENOENT' ? 'no such file' : code === 'ELOOP' ? 'a symbolic link, not followed' : (error as Error).message}`,
    );
  }
  try {
    return await runFileOn(handle, path, options);
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/** The output file open on `handle`, which it takes over (its close() closes the handle); the handle is left open on failure. */
export async function runFileOn(handle: fs.promises.FileHandle, path: string, options: OpenOptions = {}): Promise<RunFile> {
  const stat = await handle.stat();
  if (!stat.isFile()) throw new RunFileError(`${path}: not a file`);
  let index = options.indexCache?.get(path, stat);
  if (index === undefined) {
    const builder = new RunFileIndexBuilder();
    await readFailSafe(handle, path, async () => {
      const scanner = TomlScanner.document(builder);
      for await (const _ of scan(handle, scanner, 0, options.readBytes ?? INDEX_READ_BYTES, true)) {
        // The builder collects everything itself.
      }
    });
    index = await readFailSafe(handle, path, async () => builder.finish(path, stat.size));
    options.indexCache?.set(path, stat, index);
  }
  return { ...index, ...streams(handle, path, options.readBytes ?? READ_BYTES), close: () => handle.close() };
}

function streams(handle: fs.promises.FileHandle, path: string, readBytes: number): Pick<RunFile, 'values' | 'rows' | 'timestamps'> {
  const stream = <T>(span: ArraySpan | null, collector: ArrayCollector<T>): AsyncIterable<T> =>
    span === null ? empty<T>() : streamArray(handle, path, span.offset, collector, readBytes);
  const what = (channel: ChannelEntry, part: string) => `device ${channel.device} channel ${channel.name} ${part}`;
  return {
    values: (channel, chunkValues = 65536) => {
      if (channel.shape !== 'single') throw new Error(`${what(channel, 'data')}: rows, not values (use rows())`);
      return stream(channel.data, new ValuesCollector(what(channel, 'data'), chunkValues));
    },
    rows: (channel, chunkPoints = 65536) => {
      if (channel.shape !== 'trace') throw new Error(`${what(channel, 'data')}: values, not rows (use values())`);
      return stream(channel.data, new RowsCollector(what(channel, 'data'), chunkPoints));
    },
    timestamps: (channel, chunkEntries = 65536) => stream(channel.timestamps, new TextCollector(what(channel, 'timestamps'), chunkEntries)),
  };
}

async function* empty<T>(): AsyncGenerator<T> {}

async function* streamArray<T>(
  handle: fs.promises.FileHandle,
  path: string,
  offset: number,
  collector: ArrayCollector<T>,
  readBytes: number,
): AsyncGenerator<T> {
  const scanner = TomlScanner.value(collector, offset);
  try {
    for await (const _ of scan(handle, scanner, offset, readBytes)) yield* collector.take();
  } catch (error) {
    throw await asRunFileError(error, handle, path);
  }
  yield* collector.take();
}

/**
 * Feeds the file from `start` to `scanner`, a read at a time, until the scanner is done or the
 * file ends; yields after each read so a consumer can take what was collected. A token cut by a
 * read's end is kept for the next one. Each read gets a buffer of its own, and only the cut token
 * is kept between reads: a paused stream holds almost nothing. `readAhead` (the index's one pass
 * over the whole file) reads the next piece while this one is scanned.
 */
async function* scan(
  handle: fs.promises.FileHandle,
  scanner: TomlScanner,
  start: number,
  readBytes: number,
  readAhead = false,
): AsyncGenerator<void> {
  let position = start;
  let carried: Buffer = Buffer.alloc(0);
  let next = readAt(handle, position, readBytes);
  try {
    for (;;) {
      const fresh = await next;
      position += fresh.length;
      const final = fresh.length === 0;
      if (readAhead && !final) next = readAt(handle, position, readBytes);
      const bytes = carried.length === 0 ? fresh : Buffer.concat([carried, fresh]);
      const taken = scanner.feed(bytes, bytes.length, final);
      yield;
      if (scanner.done || final) return;
      carried = Buffer.from(bytes.subarray(taken));
      if (carried.length > MAX_TOKEN_BYTES) throw new TomlSyntaxError(`a value longer than ${MAX_TOKEN_BYTES >> 20} MiB`, position);
      if (!readAhead) next = readAt(handle, position, Math.max(readBytes, carried.length));
    }
  } finally {
    next.catch(() => {}); // a read ahead that is not needed any more
  }
}

async function readAt(handle: fs.promises.FileHandle, position: number, size: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(size);
  const { bytesRead } = await handle.read(buffer, 0, size, position);
  return buffer.subarray(0, bytesRead);
}

async function readFailSafe<T>(handle: fs.promises.FileHandle, path: string, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    throw await asRunFileError(error, handle, path);
  }
}

/** A read's failure as a RunFileError that names the file, and for bad TOML the line. */
async function asRunFileError(error: unknown, handle: fs.promises.FileHandle, path: string): Promise<unknown> {
  if (error instanceof RunFileError) return error;
  if (error instanceof TomlSyntaxError) return new RunFileError(`${path}:${await lineAt(handle, error.offset)}: ${error.message}`);
  if (error instanceof Error && !('code' in error)) return new RunFileError(`${path}: ${error.message}`);
  return error;
}

/** The 1-based line of a byte offset (read again: only an error needs it). */
async function lineAt(handle: fs.promises.FileHandle, offset: number): Promise<number> {
  let line = 1;
  const buffer = Buffer.allocUnsafe(READ_BYTES);
  for (let position = 0; position < offset; ) {
    const { bytesRead } = await handle.read(buffer, 0, Math.min(READ_BYTES, offset - position), position);
    if (bytesRead === 0) break;
    for (let i = 0; i < bytesRead; i++) if (buffer[i] === 10) line++;
    position += bytesRead;
  }
  return line;
}
