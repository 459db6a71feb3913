/**
 * The body of a journaled line (RecordType.Line). Most lines are kept as the client sent them
 * (UTF-8 text, a JSON object, so it starts with `{`). A big device line read from its bytes is
 * kept as what the parser made of it (src/protocol/line-skeleton.ts): the skeleton text, its
 * placeholder key and the bulk data, so that every reader of the journal (store, file-writer,
 * sinks, recover) gets the numbers without parsing them again. Both forms parse to exactly the
 * same message.
 *
 * Skeleton layout (little-endian; float64 in the platform's order, which Node runs little-endian):
 *
 *   0   u8   0 (a text body starts with `{`)     4   u32  skeleton text bytes (UTF-8)
 *   1   u8   format version (1)                  8   u32  key bytes (UTF-8)
 *   2   u16  0                                  12   u32  piece count
 *   16  per piece: u32 kind (1 float64 values, 2 raw bytes, 3 a channel table), u32 byte length
 *   then skeleton text, key, and each piece, every one starting at a multiple of 8
 */
import { allocFloat64 } from '../../protocol/binary-trace.js';
import { ChannelTable } from '../../protocol/channel-table.js';
import type { ExtractedData, LineSkeleton } from '../../protocol/line-skeleton.js';
import type { ParsedLine } from '../../protocol/messages.js';
import { parseLine, parseLineSkeleton } from '../../protocol/parse.js';

const SKELETON_MARK = 0;
const VERSION = 1;
const FIXED_BYTES = 16;
const PIECE_ENTRY_BYTES = 8;
const KIND_FLOAT64 = 1;
const KIND_BYTES = 2;
const KIND_TABLE = 3;

/** The body of a line kept as skeleton + data, as parts for a vectored write (the data is not copied). */
export function encodeSkeletonBody(skeleton: LineSkeleton): Buffer[] {
  const text = Buffer.from(skeleton.text, 'utf8');
  const key = Buffer.from(skeleton.key, 'utf8');
  const head = Buffer.alloc(FIXED_BYTES + PIECE_ENTRY_BYTES * skeleton.extracted.length);
  head.writeUInt8(SKELETON_MARK, 0);
  head.writeUInt8(VERSION, 1);
  head.writeUInt32LE(text.length, 4);
  head.writeUInt32LE(key.length, 8);
  head.writeUInt32LE(skeleton.extracted.length, 12);
  const parts: Buffer[] = [head, text, key];
  let length = head.length + text.length + key.length;
  skeleton.extracted.forEach((piece, index) => {
    const bytes =
      piece instanceof Float64Array
        ? Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength)
        : piece instanceof ChannelTable
          ? piece.encode()
          : piece;
    const kind = piece instanceof Float64Array ? KIND_FLOAT64 : piece instanceof ChannelTable ? KIND_TABLE : KIND_BYTES;
    head.writeUInt32LE(kind, FIXED_BYTES + index * PIECE_ENTRY_BYTES);
    head.writeUInt32LE(bytes.length, FIXED_BYTES + index * PIECE_ENTRY_BYTES + 4);
    const padding = paddingTo8(length);
    if (padding > 0) parts.push(Buffer.alloc(padding));
    parts.push(bytes);
    length += padding + bytes.length;
  });
  return parts;
}

export interface LineBodyOptions {
  /**
   * Float64 values may be views of `body` (when aligned) instead of copies: for a reader that is
   * done with them before `body`'s memory is reused.
   */
  views?: boolean;
}

/** What a journaled line parses to, whichever form it was kept in. */
export function parseLineBody(body: Buffer, options: LineBodyOptions = {}): ParsedLine {
  // A text body held nothing worth reading from its bytes when it was journaled (or is older than
  // that rule): scanning it again would cost a line of 100,000 small channels ~100 ms per reader.
  if (!isSkeletonBody(body)) return parseLine(body.toString('utf8'));
  return parseLineSkeleton(decodeSkeletonBody(body, options));
}

/** A body kept as a skeleton and its bulk data (a big line), not as the line's text. */
export function isSkeletonBody(body: Buffer): boolean {
  return body.length > 0 && body[0] === SKELETON_MARK;
}

export function decodeSkeletonBody(body: Buffer, { views = false }: LineBodyOptions = {}): LineSkeleton {
  if (body.readUInt8(1) !== VERSION) throw new Error(`journal line body: unknown format version ${body.readUInt8(1)}`);
  const textLength = body.readUInt32LE(4);
  const keyLength = body.readUInt32LE(8);
  const count = body.readUInt32LE(12);
  let at = FIXED_BYTES + PIECE_ENTRY_BYTES * count;
  const text = body.toString('utf8', at, at + textLength);
  at += textLength;
  const key = body.toString('utf8', at, at + keyLength);
  at += keyLength;
  const extracted: ExtractedData[] = [];
  for (let index = 0; index < count; index++) {
    const kind = body.readUInt32LE(FIXED_BYTES + index * PIECE_ENTRY_BYTES);
    const length = body.readUInt32LE(FIXED_BYTES + index * PIECE_ENTRY_BYTES + 4);
    at += paddingTo8(at);
    if (at + length > body.length) throw new Error('journal line body: a piece runs past the end');
    const bytes = body.subarray(at, at + length);
    at += length;
    if (kind === KIND_BYTES) {
      extracted.push(bytes); // read once, while the record is applied
    } else if (kind === KIND_TABLE) {
      extracted.push(ChannelTable.decode(bytes, views));
    } else if (kind === KIND_FLOAT64 && length % 8 === 0) {
      extracted.push(
        views && bytes.byteOffset % 8 === 0 ? new Float64Array(bytes.buffer, bytes.byteOffset, length / 8) : copyFloat64(bytes),
      );
    } else {
      throw new Error(`journal line body: piece ${index} has kind ${kind} and ${length} bytes`);
    }
  }
  return { text, key, extracted };
}

/** Into its own aligned buffer: the record's bytes are a view of a larger read. */
function copyFloat64(bytes: Buffer): Float64Array {
  const values = allocFloat64(bytes.length / 8);
  new Uint8Array(values.buffer, values.byteOffset, bytes.length).set(bytes);
  return values;
}

function paddingTo8(length: number): number {
  return (8 - (length % 8)) % 8;
}
