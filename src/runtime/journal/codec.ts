/**
 * Journal record codec (pure). The journal is the run's source of truth: every accepted line is
 * appended here before its reply is sent, and every derived output (store, files, database rows)
 * can be rebuilt from it.
 *
 * File layout: an 8-byte magic, then records. Each record:
 *
 *   offset size  field
 *   0      4     recordLength (u32 LE, whole record including this header)
 *   4      4     crc32 of bytes [8, recordLength)
 *   8      1     type (RecordType)
 *   9      1     flags (for LINE: the message kind code; for PAUSE: 1 paused / 0 running)
 *   10     2     padding: zero bytes after the body, so every record ends at a multiple of 8
 *   12     4     connection id (0 when not from a connection)
 *   16     8     arrival time, ns since the Unix epoch (i64 LE)
 *   24     8     connection stream offset just after this line (u64 LE; dedups re-sent bytes)
 *   32     ...   body, then the padding
 *
 * Records start at multiples of 8 (the magic is 8 bytes), so float64 data inside a body can be
 * read in place (line-body.ts). Journals written before the padding existed hold 0 there.
 *
 * A torn or corrupt tail (kill -9 mid-append, power cut) is detected by length + CRC and ignored:
 * everything before it is intact, and nothing after it was ever acknowledged.
 */
import { crc32 } from 'node:zlib';
import { crc32Combine } from './crc32-combine.js';

export const JOURNAL_MAGIC = Buffer.from('REXJRNL1', 'latin1');
export const RECORD_HEADER_BYTES = 32;

export const RecordType = {
  /** Body: JSON RunStartRecord. First record of every journal. */
  RunStart: 1,
  /** Body: the accepted line, as sent or as parsed from its bytes (line-body.ts). flags: LineKind. */
  Line: 2,
  /** Body: u32 reason length, reason (UTF-8), then the raw rejected line. Kept for the record, never merged. */
  Rejected: 3,
  /** Body: JSON RunEndRecord. Last record of a cleanly finished journal. */
  RunEnd: 4,
  /** flags: 1 paused, 0 running. Body empty. */
  Pause: 5,
  /** Body: JSON { level, message }: a noteworthy event worth keeping with the data (validation, warnings). */
  Note: 6,
  /**
   * An accepted line whose body is in a side file beside the journal (side-body.ts). flags:
   * LineKind. Body: u32 crc32 of the side body, u32 zero, u64 its length, its file name (UTF-8).
   * Readers never see it: JournalReader returns it as the Line record it stands for.
   */
  LineRef: 7,
} as const;
export type RecordType = (typeof RecordType)[keyof typeof RecordType];

/** Kinds of accepted lines that change the run's data (commands other than pause are not journaled). */
export const LineKind = { Device: 1, Session: 2, Result: 3 } as const;
export type LineKind = (typeof LineKind)[keyof typeof LineKind];

export type { RunEndRecord, RunStartRecord } from './run-records.js';

export interface RecordHeader {
  type: RecordType;
  flags: number;
  connId: number;
  arrivalNs: bigint;
  streamOffset: bigint;
}

export interface JournalRecord extends RecordHeader {
  /** Byte offset of this record in the journal file. */
  offset: number;
  body: Buffer;
}

export function encodeRecord(header: RecordHeader, body: Buffer | string): Buffer {
  const bodyBytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const padding = paddingAfter(bodyBytes.length);
  const record = Buffer.alloc(RECORD_HEADER_BYTES + bodyBytes.length + padding);
  writeHeader(record, header, bodyBytes.length, padding);
  bodyBytes.copy(record, RECORD_HEADER_BYTES);
  record.writeUInt32LE(crc32(record.subarray(8)), 4);
  return record;
}

/**
 * Encodes a record whose body is one or more slices of other buffers without copying them:
 * returns [header, ...body] for a vectored write. The CRC covers them all. `bodyCrc`: the body's
 * crc32, when it was computed elsewhere (a big line's, on the parse pool's thread).
 */
export function encodeRecordParts(header: RecordHeader, body: Buffer | Buffer[], bodyCrc?: number): Buffer[] {
  const parts = Array.isArray(body) ? [...body] : [body];
  const bodyLength = parts.reduce((total, part) => total + part.length, 0);
  const padding = paddingAfter(bodyLength);
  const paddingBytes = ZEROS.subarray(0, padding);
  const head = Buffer.allocUnsafe(RECORD_HEADER_BYTES);
  writeHeader(head, header, bodyLength, padding);
  let crc = crc32(head.subarray(8));
  if (bodyCrc === undefined) {
    for (const part of parts) crc = crc32(part, crc);
    crc = crc32(paddingBytes, crc);
  } else {
    crc = crc32Combine(crc, crc32(paddingBytes, bodyCrc), bodyLength + padding);
  }
  head.writeUInt32LE(crc, 4);
  return padding > 0 ? [head, ...parts, paddingBytes] : [head, ...parts];
}

const ZEROS = Buffer.alloc(8);

function paddingAfter(bodyLength: number): number {
  return (8 - ((RECORD_HEADER_BYTES + bodyLength) % 8)) % 8;
}

function writeHeader(target: Buffer, h: RecordHeader, bodyLength: number, padding: number): void {
  target.writeUInt32LE(RECORD_HEADER_BYTES + bodyLength + padding, 0);
  target.writeUInt8(h.type, 8);
  target.writeUInt8(h.flags, 9);
  target.writeUInt16LE(padding, 10);
  target.writeUInt32LE(h.connId >>> 0, 12);
  target.writeBigInt64LE(h.arrivalNs, 16);
  target.writeBigUInt64LE(h.streamOffset, 24);
}

export function encodeJsonRecord(type: RecordType, value: unknown, arrivalNs: bigint, flags = 0): Buffer {
  return encodeRecord({ type, flags, connId: 0, arrivalNs, streamOffset: 0n }, JSON.stringify(value));
}

/**
 * A rejected line is kept for people to look at, up to its first MAX_KEPT_REJECTED_BYTES: whole,
 * a hostile 200 MB line would cost the ingest thread a copy, a checksum and a write of it. (Its
 * full length is in the stream offsets.) Returns parts for a vectored write: the line is not copied.
 */
export function encodeRejectedBody(reason: string, line: Buffer): Buffer[] {
  const reasonBytes = Buffer.from(reason, 'utf8');
  const head = Buffer.allocUnsafe(4);
  head.writeUInt32LE(reasonBytes.length, 0);
  return [head, reasonBytes, line.subarray(0, MAX_KEPT_REJECTED_BYTES)];
}

export const MAX_KEPT_REJECTED_BYTES = 1024 * 1024;

export function decodeRejectedBody(body: Buffer): { reason: string; line: Buffer } {
  const reasonLength = body.readUInt32LE(0);
  return {
    reason: body.toString('utf8', 4, 4 + reasonLength),
    line: body.subarray(4 + reasonLength),
  };
}

/** What a LineRef record holds: the side file's name (in the journal's directory), length, crc32. */
export interface SideBodyRef {
  name: string;
  length: number;
  crc: number;
}

/** The body of a LineRef record. */
export function encodeLineRefBody(ref: SideBodyRef): Buffer {
  const name = Buffer.from(ref.name, 'utf8');
  const body = Buffer.alloc(16 + name.length);
  body.writeUInt32LE(ref.crc >>> 0, 0);
  body.writeBigUInt64LE(BigInt(ref.length), 8);
  name.copy(body, 16);
  return body;
}

export function decodeLineRefBody(body: Buffer): SideBodyRef | null {
  if (body.length <= 16) return null;
  return { crc: body.readUInt32LE(0), length: Number(body.readBigUInt64LE(8)), name: body.toString('utf8', 16) };
}

export type DecodeStep =
  | { status: 'record'; record: JournalRecord; next: number }
  /** Not enough bytes yet: a tail still being written, or torn by a crash. */
  | { status: 'incomplete' }
  | { status: 'corrupt'; reason: string };

/**
 * Decodes the record at `position` of `chunk`, whose first byte sits at file offset `chunkOffset`.
 * A record ending at or before `checkedEnd` is taken without computing its CRC again: the caller
 * knows those bytes are intact (see JournalReader.trustIntactUpTo).
 */
export function decodeRecordAt(chunk: Buffer, position: number, chunkOffset: number, checkedEnd = 0): DecodeStep {
  if (chunk.length - position < RECORD_HEADER_BYTES) return { status: 'incomplete' };
  const length = chunk.readUInt32LE(position);
  if (length < RECORD_HEADER_BYTES) return { status: 'corrupt', reason: `record length ${length} below header size` };
  if (chunk.length - position < length) return { status: 'incomplete' };
  if (chunkOffset + position + length > checkedEnd) {
    const storedCrc = chunk.readUInt32LE(position + 4);
    const actualCrc = crc32(chunk.subarray(position + 8, position + length));
    if (storedCrc !== actualCrc) return { status: 'corrupt', reason: 'checksum mismatch' };
  }
  const type = chunk.readUInt8(position + 8) as RecordType;
  const padding = chunk.readUInt16LE(position + 10);
  if (padding > length - RECORD_HEADER_BYTES) return { status: 'corrupt', reason: `padding ${padding} longer than the body` };
  return {
    status: 'record',
    next: position + length,
    record: {
      offset: chunkOffset + position,
      type,
      flags: chunk.readUInt8(position + 9),
      connId: chunk.readUInt32LE(position + 12),
      arrivalNs: chunk.readBigInt64LE(position + 16),
      streamOffset: chunk.readBigUInt64LE(position + 24),
      body: chunk.subarray(position + RECORD_HEADER_BYTES, position + length - padding),
    },
  };
}

export function parseJsonBody<T>(record: JournalRecord): T {
  return JSON.parse(record.body.toString('utf8')) as T;
}
