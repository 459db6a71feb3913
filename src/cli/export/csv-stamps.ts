/**
 * A channel's timestamps as CSV field bytes, one by one, read in chunks as its values go. A chunk
 * is encoded at once: writing each of millions of timestamps with its own Buffer.write (a native
 * call) and quoting check took most of a single channel's export. Past the last timestamp, the
 * field is empty.
 */
import { csvField } from '../../protocol/run-file/csv-text.js';
import type { ChannelEntry } from '../../protocol/run-file/model.js';
import type { RunFile } from '../../runtime/run-file/run-file.js';

const EMPTY = Buffer.alloc(0);

export class StampFields {
  /** The current field is `bytes[start, end)`. */
  bytes: Buffer = EMPTY;
  start = 0;
  end = 0;
  private chunks: AsyncIterator<string[]> | undefined;
  private ends: Uint32Array = new Uint32Array(0);
  private at = 0;

  constructor(run: RunFile, channel: ChannelEntry) {
    this.chunks = channel.timestampCount > 0 ? run.timestamps(channel)[Symbol.asyncIterator]() : undefined;
  }

  /** Moves to the next field; a promise when a chunk must be read first (await it before using the field). */
  advance(): Promise<void> | undefined {
    if (this.at < this.ends.length) {
      this.start = this.end;
      this.end = this.ends[this.at++]!;
      return undefined;
    }
    if (this.chunks === undefined) {
      this.start = this.end = 0;
      return undefined;
    }
    return this.read().then(() => this.advance());
  }

  /** Stops reading timestamps the values did not need. */
  async close(): Promise<void> {
    await this.chunks?.return?.();
  }

  private async read(): Promise<void> {
    const next = await this.chunks!.next();
    this.start = this.end = this.at = 0;
    if (next.done) {
      this.chunks = undefined;
      this.bytes = EMPTY;
      this.ends = new Uint32Array(0);
      return;
    }
    [this.bytes, this.ends] = encodeFields(next.value);
  }
}

/** `stamps` as CSV fields back to back, and where each ends. */
function encodeFields(stamps: string[]): [Buffer, Uint32Array] {
  return plainFields(stamps) ?? quotedFields(stamps);
}

/**
 * The common case, rex's timestamps: ASCII with nothing to quote, copied character by character
 * (a join and one encoding took 3 times as long). undefined if a timestamp is not so plain.
 */
function plainFields(stamps: string[]): [Buffer, Uint32Array] | undefined {
  let total = 0;
  for (let i = 0; i < stamps.length; i++) total += stamps[i]!.length;
  const bytes = Buffer.allocUnsafe(total);
  const ends = new Uint32Array(stamps.length);
  let pos = 0;
  for (let i = 0; i < stamps.length; i++) {
    const stamp = stamps[i]!;
    for (let k = 0; k < stamp.length; k++) {
      const c = stamp.charCodeAt(k);
      if (c >= 0x80 || c === 44 || c === 34 || c === 13 || c === 10) return undefined; // non-ASCII , " CR LF
      bytes[pos++] = c;
    }
    ends[i] = pos;
  }
  return [bytes, ends];
}

function quotedFields(stamps: string[]): [Buffer, Uint32Array] {
  const fields = stamps.map((s) => Buffer.from(csvField(s), 'utf8'));
  const ends = new Uint32Array(stamps.length);
  let end = 0;
  for (let i = 0; i < fields.length; i++) ends[i] = end += fields[i]!.length;
  return [Buffer.concat(fields), ends];
}
