/**
 * Side bodies (issue 14): a big line's body in a file beside the journal, the journal holding a
 * reference to it. Readers get the same Line record as an inline one; a side file that is
 * missing, short or altered is corruption at the reference's offset, like a bad CRC.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LineKind, RecordType, encodeJsonRecord, encodeLineRefBody, encodeRecord } from '../../src/runtime/journal/codec.js';
import { JournalReader } from '../../src/runtime/journal/reader.js';
import { readSideBody, sideBodyName, writeSideBody } from '../../src/runtime/journal/side-body.js';
import { JournalWriter } from '../../src/runtime/journal/writer.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

const header = (streamOffset: number) => ({
  flags: LineKind.Device,
  connId: 3,
  arrivalNs: 1_700_000_000_000_000_001n,
  streamOffset: BigInt(streamOffset),
});
const body = Buffer.from(JSON.stringify({ device_name: 'd', device_config: {}, measurements: { ch: { data: [1.5, 2.5], unit: 'V' } } }));

/** A journal of: run start, the body inline, the body by reference, a last small line. */
async function journalWithReference() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rex-side-'));
  dirs.push(dir);
  const file = path.join(dir, 'loop-1.rexj');
  const writer = JournalWriter.create(file, [encodeJsonRecord(RecordType.RunStart, { uuid: 'u' }, 1n)], { syncIntervalMs: 0 });
  const name = sideBodyName(file, 3, 200);
  const ref = await writeSideBody(file, name, [body.subarray(0, 10), body.subarray(10)]);
  writer.append([
    encodeRecord({ type: RecordType.Line, ...header(100) }, body),
    encodeRecord({ type: RecordType.LineRef, ...header(200) }, encodeLineRefBody(ref)),
    encodeRecord({ type: RecordType.Line, ...header(300) }, 'last'),
  ]);
  writer.close();
  return { file, side: path.join(dir, name) };
}

describe('journal side bodies', () => {
  it('a reference record reads back as the same Line record as an inline one', async () => {
    const { file } = await journalWithReference();
    const reader = new JournalReader(file);
    const [, inline, byRef, last] = [...reader.readAll()];
    reader.close();
    expect(byRef!.type).toBe(RecordType.Line);
    expect(byRef!.body).toEqual(inline!.body);
    expect({ ...byRef, offset: 0, body: null }).toEqual({ ...inline, offset: 0, body: null, streamOffset: 200n });
    expect(last!.body.toString()).toBe('last');
  });

  const damages: Array<[string, (side: string) => void, RegExp]> = [
    ['missing', (side) => fs.rmSync(side), /ENOENT/],
    ['short', (side) => fs.truncateSync(side, body.length - 1), /holds \d+ bytes/],
    ['altered', (side) => fs.writeFileSync(side, Buffer.from(body.toString().replace('1.5', '9.5'))), /checksum mismatch/],
  ];
  for (const [what, damage, reason] of damages) {
    it(`a ${what} side file is corruption at the reference's offset; nothing after it is read`, async () => {
      const { file, side } = await journalWithReference();
      const intact = new JournalReader(file);
      const referenceOffset = [...intact.readAll()][2]!.offset;
      intact.close();
      damage(side);
      const reader = new JournalReader(file);
      const records = [...reader.readAll()];
      reader.close();
      expect(records.map((r) => Number(r.streamOffset))).toEqual([0, 100]);
      expect(reader.corruption?.offset).toBe(referenceOffset);
      expect(reader.corruption?.reason).toMatch(reason);
    });
  }

  it('a side file left by a crash before its reference (the same line, re-sent) is replaced', async () => {
    const { file, side } = await journalWithReference();
    fs.writeFileSync(side, 'left by a kill -9 mid-write');
    const ref = await writeSideBody(file, path.basename(side), [body]);
    expect(fs.readFileSync(side)).toEqual(body);
    expect(ref.length).toBe(body.length);
  });

  // One read or write of 115 MB held a CPU in the kernel for 200–400 ms (this machine's kernel does
  // not preempt it), and two at once stopped every thread of the machine: they go in 4 MiB calls.
  it('a big body is written and read in calls of at most 4 MiB, and reads back whole', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rex-side-'));
    dirs.push(dir);
    const file = path.join(dir, 'loop-1.rexj');
    const big = Buffer.alloc(9 * 1024 * 1024 + 13);
    for (let i = 0; i < big.length; i += 4093) big[i] = i % 251;
    const parts = [big.subarray(0, 3 << 20), big.subarray(3 << 20, big.length - 5), big.subarray(big.length - 5)];
    const handle = await fs.promises.open(path.join(dir, 'probe'), 'w');
    const fileHandle = Object.getPrototypeOf(handle) as { writev: (buffers: Buffer[]) => Promise<{ bytesWritten: number }> };
    await handle.close();
    const writes = vi.spyOn(fileHandle, 'writev');
    const reads = vi.spyOn(fs, 'readSync');
    try {
      const ref = await writeSideBody(file, sideBodyName(file, 1, 0), parts);
      const read = readSideBody(file, ref);
      expect(Buffer.isBuffer(read) && read.equals(big)).toBe(true);
      const written = writes.mock.calls.map(([buffers]) => buffers.reduce((sum, b) => sum + b.length, 0));
      expect(written.reduce((a, b) => a + b, 0)).toBe(big.length);
      expect(Math.max(...written)).toBeLessThanOrEqual(4 << 20);
      const readLengths = reads.mock.calls.map((call) => (call as unknown[])[3] as number);
      expect(readLengths.length).toBeGreaterThan(2);
      expect(Math.max(...readLengths)).toBeLessThanOrEqual(4 << 20);
    } finally {
      writes.mockRestore();
      reads.mockRestore();
    }
  });
});
