import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import {
  JOURNAL_MAGIC,
  LineKind,
  RecordType,
  decodeRejectedBody,
  encodeJsonRecord,
  encodeRecord,
  encodeRecordParts,
  encodeRejectedBody,
  MAX_KEPT_REJECTED_BYTES,
  parseJsonBody,
} from '../../src/runtime/journal/codec.js';
import { crc32Combine } from '../../src/runtime/journal/crc32-combine.js';
import { JournalFollower } from '../../src/runtime/journal/follower.js';
import { JournalReader } from '../../src/runtime/journal/reader.js';
import { JournalWriter, intactJournalLength } from '../../src/runtime/journal/writer.js';
import { seededRandom } from '../helpers/random.js';

const dirs: string[] = [];
function tempJournalPath(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rex-journal-'));
  dirs.push(dir);
  return path.join(dir, 'nested', 'run.rexj');
}
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

const lineRecord = (text: string, connId: number, streamOffset: number) =>
  encodeRecord(
    { type: RecordType.Line, flags: LineKind.Device, connId, arrivalNs: 1_700_000_000_123_456_789n, streamOffset: BigInt(streamOffset) },
    text,
  );

describe('journal', () => {
  it('round-trips records with their headers, in order', () => {
    const file = tempJournalPath();
    const writer = JournalWriter.create(file, [encodeJsonRecord(RecordType.RunStart, { uuid: 'u-1' }, 5n)], { syncIntervalMs: 0 });
    writer.append([lineRecord('{"a":1}', 7, 8), lineRecord('{"b":2}', 9, 16)]);
    writer.append(
      encodeRecordParts(
        { type: RecordType.Line, flags: LineKind.Result, connId: 3, arrivalNs: 1n, streamOffset: 99n },
        Buffer.from('parts'),
      ),
    );
    writer.close();

    const reader = new JournalReader(file);
    const records = [...reader.readAll()];
    reader.close();
    expect(records.map((r) => r.type)).toEqual([RecordType.RunStart, RecordType.Line, RecordType.Line, RecordType.Line]);
    expect(parseJsonBody<{ uuid: string }>(records[0]!).uuid).toBe('u-1');
    expect(records[1]!.body.toString()).toBe('{"a":1}');
    expect(records[1]).toMatchObject({ connId: 7, streamOffset: 8n, arrivalNs: 1_700_000_000_123_456_789n, flags: LineKind.Device });
    expect(records[3]).toMatchObject({ connId: 3, streamOffset: 99n, flags: LineKind.Result });
    expect(records[3]!.body.toString()).toBe('parts');
    expect(records[0]!.offset).toBe(JOURNAL_MAGIC.length);
  });

  it('a closed reader may be closed again, and refuses to read (its descriptor may be another file now)', () => {
    const file = tempJournalPath();
    JournalWriter.create(file, [encodeJsonRecord(RecordType.RunStart, { uuid: 'u-1' }, 5n)], { syncIntervalMs: 0 }).close();
    const reader = new JournalReader(file);
    reader.close();
    expect(() => reader.close()).not.toThrow();
    expect(() => reader.readAvailable()).toThrow(/read after the journal reader was closed/);
  });

  it('ignores a torn tail and reopening cuts it off before appending', () => {
    const file = tempJournalPath();
    const writer = JournalWriter.create(file, [encodeJsonRecord(RecordType.RunStart, {}, 1n)], { syncIntervalMs: 0 });
    writer.append([lineRecord('first', 1, 6)]);
    writer.close();
    const goodLength = fs.statSync(file).size;
    // A crash in the middle of an append leaves half a record.
    fs.appendFileSync(file, lineRecord('second, torn', 1, 19).subarray(0, 20));
    expect(intactJournalLength(file)).toBe(goodLength);

    const reopened = JournalWriter.reopen(file, { syncIntervalMs: 0 });
    reopened.append([lineRecord('third', 1, 25)]);
    reopened.close();
    const bodies = [...new JournalReader(file).readAll()].map((r) => r.body.toString());
    expect(bodies.slice(1)).toEqual(['first', 'third']);
  });

  it('stops at a corrupted record and reports where', () => {
    const file = tempJournalPath();
    const writer = JournalWriter.create(file, [encodeJsonRecord(RecordType.RunStart, {}, 1n)], { syncIntervalMs: 0 });
    writer.append([lineRecord('keep', 1, 5), lineRecord('flip', 1, 10), lineRecord('after', 1, 16)]);
    writer.close();
    const bytes = fs.readFileSync(file);
    const flipAt = bytes.indexOf('flip');
    bytes[flipAt] = 'F'.charCodeAt(0);
    fs.writeFileSync(file, bytes);

    const reader = new JournalReader(file);
    const bodies = [...reader.readAll()].map((r) => r.body.toString());
    expect(bodies.slice(1)).toEqual(['keep']);
    expect(reader.corruption?.reason).toBe('checksum mismatch');
  });

  it('skips the CRCs of the records its own process wrote (up to intactLength), never of those after', () => {
    const file = tempJournalPath();
    const writer = JournalWriter.create(file, [encodeJsonRecord(RecordType.RunStart, {}, 1n)], { syncIntervalMs: 0 });
    writer.append([lineRecord('keep', 1, 5), lineRecord('flip', 1, 10)]);
    const vouched = writer.intactLength;
    expect(vouched).toBe(writer.bytesWritten);
    writer.append([lineRecord('late', 1, 16)]);
    writer.close();
    // A byte changed behind the reader's back in each of the last two records: only the CRC can tell.
    const bytes = fs.readFileSync(file);
    bytes[bytes.indexOf('flip')] = 'F'.charCodeAt(0);
    bytes[bytes.indexOf('late')] = 'L'.charCodeAt(0);
    fs.writeFileSync(file, bytes);

    const checking = new JournalReader(file);
    expect([...checking.readAll()].map((r) => r.body.toString()).slice(1)).toEqual(['keep']);
    expect(checking.corruption?.reason).toBe('checksum mismatch');

    // Told the first `vouched` bytes are intact, it takes them as they are, and still checks the rest.
    const trusting = new JournalReader(file);
    trusting.trustIntactUpTo(vouched);
    expect([...trusting.readAll()].map((r) => r.body.toString()).slice(1)).toEqual(['keep', 'Flip']);
    expect(trusting.corruption).toEqual({ offset: vouched, reason: 'checksum mismatch' });
  });

  it('reads nothing at or past the offset it is given, and the rest when asked again without it', () => {
    const file = tempJournalPath();
    const writer = JournalWriter.create(file, [encodeJsonRecord(RecordType.RunStart, {}, 1n)], { syncIntervalMs: 0 });
    writer.append([lineRecord('one', 1, 4)]);
    const noticed = writer.intactLength;
    writer.append([lineRecord('two', 1, 8), lineRecord('three', 1, 14)]);
    const reader = new JournalReader(file);
    expect(reader.readAvailable(undefined, noticed).map((r) => r.type)).toEqual([RecordType.RunStart, RecordType.Line]);
    expect(reader.position).toBe(noticed);
    expect(reader.readAvailable(undefined, noticed)).toEqual([]);
    expect(reader.readAvailable().map((r) => r.body.toString())).toEqual(['two', 'three']);
    writer.close();
    reader.close();
  });

  it('a full catch-up reads what was on disk when it began, not what a faster writer appends meanwhile', () => {
    const file = tempJournalPath();
    const writer = JournalWriter.create(file, [encodeJsonRecord(RecordType.RunStart, {}, 1n)], { syncIntervalMs: 0 });
    const pause = (paused: boolean) =>
      encodeRecord({ type: RecordType.Pause, flags: paused ? 1 : 0, connId: 0, arrivalNs: 1n, streamOffset: 0n }, '');
    writer.append([pause(true), pause(false), pause(true)]);
    // The writer appends a record for each the follower applies: a follower that read to the end
    // would chase it (here until the writer stops, 100 records on).
    let appended = 0;
    const applied: boolean[] = [];
    const follower = new JournalFollower(file, {
      pause: (paused) => {
        applied.push(paused);
        if (appended++ < 100) writer.append([pause(appended % 2 === 0)]);
      },
    });
    expect(follower.catchUp()).toBe(4); // the run start and the three pauses written before it began
    expect(applied).toEqual([true, false, true]);
    expect(follower.catchUp()).toBe(3); // the three appended during the first
    writer.close();
    follower.close();
  });

  it('tails a growing file and returns records larger than the read size whole', () => {
    const file = tempJournalPath();
    const writer = JournalWriter.create(file, [encodeJsonRecord(RecordType.RunStart, {}, 1n)], { syncIntervalMs: 0 });
    const reader = new JournalReader(file);
    expect(reader.readAvailable(64)).toHaveLength(1);
    expect(reader.readAvailable(64)).toHaveLength(0);
    const big = 'x'.repeat(10_000);
    writer.append([lineRecord('small', 1, 6), lineRecord(big, 1, 10_007)]);
    const seen: string[] = [];
    for (let i = 0; i < 4; i++) seen.push(...reader.readAvailable(64).map((r) => r.body.toString()));
    expect(seen).toEqual(['small', big]);
    writer.close();
    reader.close();
  });

  it('keeps the reason and raw bytes of a rejected line', () => {
    const raw = Buffer.from([0x7b, 0xff, 0x00, 0x7d]);
    const decoded = decodeRejectedBody(Buffer.concat(encodeRejectedBody('unit changed', raw)));
    expect(decoded.reason).toBe('unit changed');
    expect(decoded.line.equals(raw)).toBe(true);
  });

  it('keeps only the first MiB of a huge rejected line', () => {
    const huge = Buffer.alloc(3 * MAX_KEPT_REJECTED_BYTES, 'x');
    const decoded = decodeRejectedBody(Buffer.concat(encodeRejectedBody('line is not valid UTF-8', huge)));
    expect(decoded.reason).toBe('line is not valid UTF-8');
    expect(decoded.line.equals(huge.subarray(0, MAX_KEPT_REJECTED_BYTES))).toBe(true);
  });

  it('refuses a file that is not a journal', () => {
    const file = tempJournalPath();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, 'not a journal at all');
    expect(() => new JournalReader(file)).toThrow(/not a rex journal/);
  });
});

describe('record checksums computed elsewhere', () => {
  it('crc32Combine gives the CRC of a concatenation from the CRCs of its parts', () => {
    const next = seededRandom(5);
    for (const [a, b] of [
      [0, 0],
      [24, 0],
      [0, 9],
      [24, 1],
      [24, 65_537],
      [3, 1_000_003],
    ] as const) {
      const left = Buffer.from(Array.from({ length: a }, () => Math.floor(next() * 256)));
      const right = Buffer.from(Array.from({ length: b }, () => Math.floor(next() * 256)));
      expect(crc32Combine(crc32(left), crc32(right), b)).toBe(crc32(Buffer.concat([left, right])));
    }
  });

  it('a record encoded with its body CRC given is the same record, byte for byte', () => {
    const header = { type: RecordType.Line, flags: LineKind.Device, connId: 3, arrivalNs: 5n, streamOffset: 77n };
    for (const length of [0, 1, 8, 13, 100_001]) {
      const body = [Buffer.alloc(length, 0x61), Buffer.from('tail')];
      const given = encodeRecordParts(header, body, crc32(Buffer.concat(body)));
      expect(Buffer.concat(given)).toEqual(Buffer.concat(encodeRecordParts(header, body)));
      expect(Buffer.concat(given)).toEqual(encodeRecord(header, Buffer.concat(body)));
    }
  });
});
