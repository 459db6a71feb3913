/**
 * Reads a journal from a given offset. Synchronous on purpose: readers are actors on their own
 * worker threads that tail the file as it grows, and a sync read of page-cached bytes is the
 * cheapest way to do that.
 */
import fs from 'node:fs';
import { JOURNAL_MAGIC, RecordType, decodeLineRefBody, decodeRecordAt, type JournalRecord } from './codec.js';
import { readSideBody } from './side-body.js';

const READ_CHUNK_BYTES = 4 * 1024 * 1024;

export interface JournalReaderOptions {
  /**
   * Read into one buffer kept for the reader's life instead of a new one per read (fresh memory
   * is costly: every page of it faults in). The records of a read are then views of that buffer,
   * valid only until the next read.
   */
  reuseBuffer?: boolean;
  /**
   * Return side-body references as they are (RecordType.LineRef), not as the Line records they
   * stand for: for a reader that copies the journal as it is on disk (fleet replication).
   */
  keepLineRefs?: boolean;
}

export class JournalReader {
  private readonly fd: number;
  private readBuffer: Buffer | undefined;
  /** File offset of the next record to decode. */
  private offset: number;
  private corruptAt: { offset: number; reason: string } | undefined;
  private closed = false;
  /** Records ending at or before this offset are known intact: their CRCs are not computed again. */
  private intactEnd = 0;

  constructor(
    readonly path: string,
    fromOffset = JOURNAL_MAGIC.length,
    private readonly options: JournalReaderOptions = {},
  ) {
    this.fd = fs.openSync(path, 'r');
    const magic = Buffer.alloc(JOURNAL_MAGIC.length);
    fs.readSync(this.fd, magic, 0, magic.length, 0);
    if (!magic.equals(JOURNAL_MAGIC)) {
      fs.closeSync(this.fd);
      throw new Error(`${path} is not a rex journal (bad magic)`);
    }
    this.offset = Math.max(fromOffset, JOURNAL_MAGIC.length);
  }

  /** Offset just after the last record returned. */
  get position(): number {
    return this.offset;
  }

  /**
   * The journal's first `end` bytes are complete records that this process's own journal writer
   * appended (each checksummed as it was encoded) or verified when it reopened the journal
   * (`journal.grew`): reading them, the reader skips their CRCs. The CRC of every trace again was
   * half of what following a journal of big traces cost each reader (store, file-writer): 54 vs
   * 26 ms CPU for 1,000 lines of 10,000 values. Never for bytes another process wrote (`rex
   * recover` checks every record), nor for what the reader reads past the last notice.
   */
  trustIntactUpTo(end: number): void {
    if (end > this.intactEnd) this.intactEnd = end;
  }

  /** The journal's size on disk now (complete records and, at its end, maybe part of one). */
  size(): number {
    this.assertOpen();
    return fs.fstatSync(this.fd).size;
  }

  /** A closed descriptor's number may already be another file's. */
  private assertOpen(): void {
    if (this.closed) throw new Error(`${this.path}: read after the journal reader was closed`);
  }

  /** Set when a checksum or length error was found; nothing after it is read. */
  get corruption(): { offset: number; reason: string } | undefined {
    return this.corruptAt;
  }

  /**
   * Returns the complete records now on disk after the current position, reading at most about
   * `maxBytes` (a single record larger than that is still returned whole) and nothing at or past
   * file offset `upTo`.
   */
  readAvailable(maxBytes = READ_CHUNK_BYTES, upTo = Number.POSITIVE_INFINITY): JournalRecord[] {
    this.assertOpen();
    if (this.corruptAt || upTo <= this.offset) return [];
    const size = Math.min(this.size(), upTo);
    const available = size - this.offset;
    if (available <= 0) return [];
    let chunk = this.readAt(this.offset, Math.min(available, maxBytes));
    const records: JournalRecord[] = [];
    let position = 0;
    let sideBytes = 0;
    for (;;) {
      const step = decodeRecordAt(chunk, position, this.offset, this.intactEnd);
      if (step.status === 'record' && step.record.type === RecordType.LineRef && !this.options.keepLineRefs) {
        const line = this.resolveLineRef(step.record);
        if (typeof line === 'string') {
          this.corruptAt = { offset: this.offset + position, reason: line };
          break;
        }
        records.push(line);
        position = step.next;
        // A side body counts toward the read's size: one call does not gather several of them.
        sideBytes += line.body.length;
        if (position + sideBytes >= maxBytes) break;
        continue;
      }
      if (step.status === 'record') {
        records.push(step.record);
        position = step.next;
        continue;
      }
      if (step.status === 'corrupt') {
        this.corruptAt = { offset: this.offset + position, reason: step.reason };
        break;
      }
      // Incomplete: if nothing decoded yet and the file holds the whole record, read it whole.
      if (records.length === 0 && chunk.length - position >= 4) {
        const length = chunk.readUInt32LE(position);
        if (length > chunk.length && this.offset + length <= size) {
          chunk = this.readAt(this.offset, length);
          continue;
        }
      }
      break;
    }
    this.offset += position;
    return records;
  }

  /** Yields every record currently on disk, in bounded chunks. */
  *readAll(maxBytes = READ_CHUNK_BYTES): Generator<JournalRecord> {
    for (;;) {
      const records = this.readAvailable(maxBytes);
      if (records.length === 0) return;
      yield* records;
    }
  }

  /** The Line record a LineRef stands for, its body read from the side file; or why it cannot be. */
  private resolveLineRef(record: JournalRecord): JournalRecord | string {
    const ref = decodeLineRefBody(record.body);
    if (ref === null) return 'side body reference without a name';
    const body = readSideBody(this.path, ref);
    return typeof body === 'string' ? body : { ...record, type: RecordType.Line, body };
  }

  /** Idempotent: a reader may be closed by its owner and again by the journal tail replacing it. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    fs.closeSync(this.fd);
  }

  private readAt(offset: number, length: number): Buffer {
    const buffer = this.options.reuseBuffer ? this.reusableBuffer(length) : Buffer.allocUnsafe(length);
    let filled = 0;
    while (filled < length) {
      const n = fs.readSync(this.fd, buffer, filled, length - filled, offset + filled);
      if (n === 0) break;
      filled += n;
    }
    return buffer.subarray(0, filled);
  }

  /**
   * At least `length` bytes, starting at offset 0 of its own memory (8-aligned, as records are).
   * Kept at the usual read size: one for a rare huge record is not kept for the reader's life.
   */
  private reusableBuffer(length: number): Buffer {
    if (length > READ_CHUNK_BYTES) return Buffer.allocUnsafeSlow(length);
    this.readBuffer ??= Buffer.allocUnsafeSlow(READ_CHUNK_BYTES);
    return this.readBuffer;
  }
}
