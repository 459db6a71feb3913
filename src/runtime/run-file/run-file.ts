/**
 * An output file opened for reading (`rex ls`, `rex show`, `rex export`): its index, and its
 * channels' values and timestamps streamed in chunks, so memory does not grow with the file.
 */
import type { ChannelEntry, RunFileIndex } from '../../protocol/run-file/model.js';

export interface RunFile extends RunFileIndex {
  /** A single channel's values, in order, in chunks of at most `chunkValues`. */
  values(channel: ChannelEntry, chunkValues?: number): AsyncIterable<Float64Array>;
  /** A trace channel's rows, in order, a few at a time (each inner array one row). */
  rows(channel: ChannelEntry, chunkPoints?: number): AsyncIterable<Float64Array[]>;
  /** The channel's timestamps as written, in chunks. */
  timestamps(channel: ChannelEntry, chunkEntries?: number): AsyncIterable<string[]>;
  close(): Promise<void>;
}

/** The file cannot be read as a run's output file: missing, unreadable, or not TOML. The message names the file and, for bad TOML, the line. */
export class RunFileError extends Error {
  override name = 'RunFileError';
}
