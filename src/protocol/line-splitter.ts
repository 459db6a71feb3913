/**
 * Splits one connection's byte stream into lines (SPEC §1: newline-delimited, trimmed, empty lines
 * skipped). Holds at most `maxLineBytes` of an unfinished line; a longer line is reported once as
 * an overflow and its remaining bytes are discarded up to the next newline, so a client that never
 * sends a newline cannot grow memory without bound.
 *
 * The chunks are handed over: the splitter keeps views of them while their line is incomplete,
 * not copies, so the caller must not change or reuse them (the ingest's chunks came from the
 * socket's thread, transferred: its own). Copying the unfinished tail of every chunk had cost a
 * binary trace burst ~5 % of the ingest's time (bench/RESULTS.md). A line that spans chunks is
 * returned as its pieces: joining a 10 MB line is left to whoever needs it whole (the parse pool,
 * for a big one), not done on the thread that answers every client.
 */

export type SplitItem =
  /**
   * `parts`: the line's bytes, trimmed, in order (one part unless it spanned chunks), as views of
   * the chunks. A part may share its ArrayBuffer with other lines: whoever moves parts to another
   * thread copies those that do not own theirs (`ownsItsBuffer`).
   */
  { kind: 'line'; parts: Buffer[]; length: number; endOffset: number } | { kind: 'overflow'; endOffset: number };

export type LineItem = Extract<SplitItem, { kind: 'line' }>;

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
    const item = lineItem(this.pending, this.offset);
    this.pending = [];
    this.pendingBytes = 0;
    return item ? [item] : [];
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
        const item = lineItem([...this.pending, chunk.subarray(start, newline)], endOffset);
        if (item) items.push(item);
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
        this.pending.push(rest);
        this.pendingBytes += rest.length;
      }
    }
    return items;
  }
}

/** The trimmed line of `parts` as an item; null when it is blank. */
function lineItem(parts: Buffer[], endOffset: number): SplitItem | null {
  const trimmed = trimParts(parts);
  if (trimmed.length === 0) return null;
  return { kind: 'line', parts: trimmed, length: trimmed.reduce((total, part) => total + part.length, 0), endOffset };
}

/** The parts as one buffer: the part itself when there is one, else a copy into a new ArrayBuffer. */
export function joinParts(parts: readonly Buffer[], length: number): Buffer {
  return parts.length === 1 ? parts[0]! : concatOwned(parts, length);
}

/** Like Buffer.concat, but always into a new ArrayBuffer of its own (never Node's shared pool). */
export function concatOwned(parts: readonly Buffer[], length: number): Buffer {
  return copyParts(parts, Buffer.from(new ArrayBuffer(length)));
}

/** The parts copied one after another into `into` (as long as they are, together); `into`. */
export function copyParts(parts: readonly Buffer[], into: Buffer): Buffer {
  let at = 0;
  for (const part of parts) at += part.copy(into, at);
  return into;
}

/** The bytes span the whole of their ArrayBuffer (a socket read does): they can be transferred. */
export function ownsItsBuffer(bytes: Buffer): boolean {
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
  return trimEnd(trimStart(line));
}

/** trimAscii across the parts of one line (parts left blank are dropped). */
function trimParts(parts: Buffer[]): Buffer[] {
  let first = 0;
  let last = parts.length - 1;
  while (first <= last && !hasNonSpace(parts[first]!, 0, parts[first]!.length)) first++;
  if (first > last) return [];
  while (last > first && !hasNonSpace(parts[last]!, 0, parts[last]!.length)) last--;
  const kept = parts.slice(first, last + 1);
  kept[0] = trimStart(kept[0]!);
  kept[kept.length - 1] = trimEnd(kept[kept.length - 1]!);
  return kept;
}

function trimStart(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length && isSpace(bytes[start]!)) start++;
  return start === 0 ? bytes : bytes.subarray(start);
}

function trimEnd(bytes: Buffer): Buffer {
  let end = bytes.length;
  while (end > 0 && isSpace(bytes[end - 1]!)) end--;
  return end === bytes.length ? bytes : bytes.subarray(0, end);
}

function isSpace(byte: number): boolean {
  return byte === 0x20 || (byte >= 0x09 && byte <= 0x0d);
}
