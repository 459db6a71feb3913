/**
 * One station journal rebuilt on the hub, byte for byte, from the records replicated to the
 * stream (docs/fleet.md, "Replication and the archive"). The file's length is how far it is
 * rebuilt: a record at that offset is appended; one before it is already there (a resend) and
 * skipped; one after it waits in memory for those before it (a resend after an outage can bring
 * them late). A side-body reference comes with its side body, written beside it first, as the
 * station does.
 */
import fs from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { decodeLineRefBody, decodeRecordAt, JOURNAL_MAGIC, RecordType } from '../../runtime/journal/codec.js';
import { JournalReader } from '../../runtime/journal/reader.js';

/** A whole record (its bytes and side body, once its chunks are in) or an end marker, with the messages that brought it. */
export interface Unit<M> {
  offset: number;
  next: number;
  /** null: an end marker (the journal is whole at `offset`). */
  bytes: Buffer | null;
  messages: M[];
}

export class ArchivedJournal<M> {
  readonly path: string;
  private readonly fd: number;
  /** How far the journal is rebuilt: the offset the next record must have. */
  private size: number;
  private lastType: number | null = null;
  private endMarkedAt: number | null = null;
  private readonly assembling = new Map<number, { parts: (Buffer | undefined)[]; messages: M[] }>();
  private readonly waiting = new Map<number, Unit<M>>();
  private dirty = false;

  constructor(
    file: string,
    private readonly log: (message: string) => void,
  ) {
    this.path = file;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const exists = fs.existsSync(file);
    this.fd = fs.openSync(file, exists ? 'r+' : 'w+');
    if (!exists) {
      fs.writeSync(this.fd, JOURNAL_MAGIC);
      fs.fsyncSync(this.fd);
      this.size = JOURNAL_MAGIC.length;
      return;
    }
    // Rebuilt before: read it through, and cut a record torn by a crash of the archive.
    const reader = new JournalReader(file, JOURNAL_MAGIC.length, { keepLineRefs: true });
    for (const record of reader.readAll()) this.lastType = record.type;
    this.size = reader.position;
    reader.close();
    if (fs.fstatSync(this.fd).size !== this.size) fs.ftruncateSync(this.fd, this.size);
  }

  /** The journal holds its run-end record, or everything up to the end marker of a journal without one. */
  get complete(): boolean {
    return this.lastType === RecordType.RunEnd || (this.endMarkedAt !== null && this.endMarkedAt <= this.size);
  }

  /** Records waiting for earlier ones. */
  get waitingCount(): number {
    return this.waiting.size + this.assembling.size;
  }

  /** One chunk of a record; returns the messages now done with (to acknowledge once synced). */
  addChunk(offset: number, next: number, chunk: number, chunks: number, data: Uint8Array, message: M): M[] {
    const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    if (chunks <= 1) return this.offer({ offset, next, bytes, messages: [message] });
    if (offset < this.size) return [message];
    let entry = this.assembling.get(offset);
    if (!entry) {
      entry = { parts: new Array(chunks).fill(undefined), messages: [] };
      this.assembling.set(offset, entry);
    }
    entry.parts[chunk] = bytes;
    entry.messages.push(message);
    if (entry.parts.some((part) => part === undefined)) return [];
    this.assembling.delete(offset);
    return this.offer({ offset, next, bytes: Buffer.concat(entry.parts as Buffer[]), messages: entry.messages });
  }

  /** The end marker of a journal without a run-end record: whole once it reaches `end`. */
  addEnd(end: number, message: M): M[] {
    this.endMarkedAt = end;
    return [message];
  }

  /** Makes what was appended durable. */
  sync(): void {
    if (!this.dirty) return;
    fs.fdatasyncSync(this.fd);
    this.dirty = false;
  }

  close(): void {
    fs.closeSync(this.fd);
  }

  private offer(unit: Unit<M>): M[] {
    if (unit.offset < this.size) return unit.messages;
    if (unit.offset > this.size) {
      const earlier = this.waiting.get(unit.offset);
      if (earlier) unit.messages.push(...earlier.messages);
      this.waiting.set(unit.offset, unit);
      return [];
    }
    const done = [...this.append(unit)];
    for (let later = this.waiting.get(this.size); later; later = this.waiting.get(this.size)) {
      this.waiting.delete(later.offset);
      done.push(...this.append(later));
    }
    // Resent chunks of records now written: nothing to wait for.
    for (const [offset, entry] of this.assembling) {
      if (offset >= this.size) continue;
      this.assembling.delete(offset);
      done.push(...entry.messages);
    }
    return done;
  }

  private append(unit: Unit<M>): M[] {
    const problem = this.write(unit);
    if (problem) this.log(`${this.path}: the record at offset ${unit.offset} is not usable (${problem}); left out`);
    return unit.messages;
  }

  /** Appends the record (after its side body); or says why it cannot be. */
  private write({ offset, next, bytes }: Unit<M>): string | null {
    if (!bytes || bytes.length < 4) return 'no record';
    const length = bytes.readUInt32LE(0);
    if (length !== next - offset || length > bytes.length) return `length ${length}, expected ${next - offset}`;
    const record = bytes.subarray(0, length);
    const step = decodeRecordAt(record, 0, offset);
    if (step.status !== 'record') return step.status === 'corrupt' ? step.reason : 'incomplete';
    if (step.record.type === RecordType.LineRef) {
      const ref = decodeLineRefBody(step.record.body);
      const side = bytes.subarray(length);
      if (!ref || ref.name !== path.basename(ref.name) || ref.name.startsWith('.')) return 'bad side body name';
      if (side.length !== ref.length || crc32(side) !== ref.crc) return 'side body does not match its reference';
      writeDurably(path.join(path.dirname(this.path), ref.name), side);
    } else if (bytes.length !== length) {
      return 'bytes after the record';
    }
    writeAllAt(this.fd, record, offset);
    this.size = next;
    this.lastType = step.record.type;
    this.dirty = true;
    return null;
  }
}

function writeDurably(file: string, bytes: Buffer): void {
  const fd = fs.openSync(file, 'w');
  try {
    writeAllAt(fd, bytes, 0);
    fs.fdatasyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  const dir = fs.openSync(path.dirname(file), 'r');
  try {
    fs.fsyncSync(dir);
  } finally {
    fs.closeSync(dir);
  }
}

function writeAllAt(fd: number, bytes: Buffer, position: number): void {
  for (let done = 0; done < bytes.length; ) done += fs.writeSync(fd, bytes, done, bytes.length - done, position + done);
}
