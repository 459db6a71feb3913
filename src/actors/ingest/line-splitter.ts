/**
 * Splits one connection's byte stream into lines (SPEC §1: newline-delimited, trimmed, empty lines
 * skipped). Holds at most `maxLineBytes` of an unfinished line; a longer line is reported once as
 * an overflow and its remaining bytes are discarded up to the next newline, so a client that never
 * sends a newline cannot grow memory without bound.
 *
 * A chunk that spans the whole of its ArrayBuffer (as bytes arriving from another thread do) is
 * kept by reference while its line is incomplete, not copied: the caller hands it over. Anything
 * else (a slice of a larger buffer) is copied, so a pooled buffer is never pinned.
 */

export type SplitItem =
  /** `owned`: the line's ArrayBuffer holds nothing else (it may be moved to another thread). */
  | { kind: 'line'; line: Buffer; endOffset: number; owned: boolean }
  | { kind: 'overflow'; endOffset: number };

const NEWLINE = 0x0a;

export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private discarding = false;
  /** Offset in the connection's stream of the next byte to arrive. */
  private offset: number;

  constructor(
    private readonly maxLineBytes: number,
    startOffset = 0,
  ) {
    this.offset = startOffset;
  }

  get streamOffset(): number {
    return this.offset;
  }

  /** Every byte before this offset is in an item already returned, or discarded. */
  get consumedOffset(): number {
    return this.offset - this.pendingBytes;
  }

  /** The stream ended: an unterminated last line counts as a line (as a line reader at EOF sees it). */
  finish(): SplitItem[] {
    if (this.discarding || this.pendingBytes === 0) return [];
    const trimmed = trimAscii(concatOwned(this.pending, this.pendingBytes));
    this.pending = [];
    this.pendingBytes = 0;
    return trimmed.length > 0 ? [{ kind: 'line', line: trimmed, endOffset: this.offset, owned: true }] : [];
  }

  push(chunk: Buffer): SplitItem[] {
    const items: SplitItem[] = [];
    const chunkStart = this.offset;
    this.offset += chunk.length;
    let start = 0;
    for (;;) {
      const newline = chunk.indexOf(NEWLINE, start);
      if (newline === -1) break;
      const endOffset = chunkStart + newline + 1;
      if (this.discarding) {
        this.discarding = false;
      } else if (this.pendingBytes + (newline - start) > this.maxLineBytes) {
        items.push({ kind: 'overflow', endOffset });
      } else {
        const piece = chunk.subarray(start, newline);
        const spansChunks = this.pending.length > 0;
        const line = spansChunks ? concatOwned([...this.pending, piece], this.pendingBytes + piece.length) : piece;
        const trimmed = trimAscii(line);
        if (trimmed.length > 0) items.push({ kind: 'line', line: trimmed, endOffset, owned: spansChunks });
      }
      this.pending = [];
      this.pendingBytes = 0;
      start = newline + 1;
    }
    if (start < chunk.length && !this.discarding) {
      const rest = chunk.subarray(start);
      if (this.pendingBytes + rest.length > this.maxLineBytes) {
        // Report the overflow now (the client may never send a newline) and drop until the next one.
        items.push({ kind: 'overflow', endOffset: this.offset });
        this.pending = [];
        this.pendingBytes = 0;
        this.discarding = true;
      } else {
        // A long line arrives as many whole chunks: copying each would double its cost.
        this.pending.push(ownsItsBuffer(rest) ? rest : Buffer.from(rest));
        this.pendingBytes += rest.length;
      }
    }
    return items;
  }
}

/** Like Buffer.concat, but always into a new ArrayBuffer of its own (never Node's shared pool). */
function concatOwned(parts: Buffer[], length: number): Buffer {
  const line = Buffer.from(new ArrayBuffer(length));
  let at = 0;
  for (const part of parts) at += part.copy(line, at);
  return line;
}

function ownsItsBuffer(bytes: Buffer): boolean {
  return bytes.byteOffset === 0 && bytes.length === bytes.buffer.byteLength;
}

/**
 * For a sender that only forwards bytes: where in `bytes` the lines that get a reply end (the
 * index after each `\n`), at most `maxLines` of them. Blank lines get no reply, so they do not
 * count. `partialHasContent`: the bytes before `bytes` since the previous newline hold a
 * non-space byte. `tailHasContent`: the same after the last newline scanned (the last end found
 * when `maxLines` were found), for the next call.
 */
export interface LineEnds {
  ends: number[];
  tailHasContent: boolean;
}

export function contentLineEnds(bytes: Buffer, partialHasContent: boolean, maxLines = Infinity): LineEnds {
  const ends: number[] = [];
  let lineStart = 0;
  let hasContent = partialHasContent;
  for (let newline = bytes.indexOf(NEWLINE); newline !== -1; newline = bytes.indexOf(NEWLINE, lineStart)) {
    if (hasContent || hasNonSpace(bytes, lineStart, newline)) ends.push(newline + 1);
    hasContent = false;
    lineStart = newline + 1;
    if (ends.length === maxLines) return { ends, tailHasContent: false };
  }
  return { ends, tailHasContent: hasContent || hasNonSpace(bytes, lineStart, bytes.length) };
}

function hasNonSpace(bytes: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (!isSpace(bytes[i]!)) return true;
  return false;
}

/** Trims ASCII whitespace (space, \t, \r, \n, \f, \v) from both ends without copying. */
export function trimAscii(line: Buffer): Buffer {
  let start = 0;
  let end = line.length;
  while (start < end && isSpace(line[start]!)) start++;
  while (end > start && isSpace(line[end - 1]!)) end--;
  return start === 0 && end === line.length ? line : line.subarray(start, end);
}

function isSpace(byte: number): boolean {
  return byte === 0x20 || (byte >= 0x09 && byte <= 0x0d);
}
