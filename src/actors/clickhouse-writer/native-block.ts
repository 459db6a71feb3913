/**
 * Encodes measurement rows as one block of ClickHouse's Native format: column after column, so the
 * server copies each column in instead of parsing rows, and so this side is mostly bulk fills
 * (a segment's channel names are one pattern fill, its values one memcpy). Pure.
 *
 * Native over HTTP: varint column count, varint row count, then per column its name, its type
 * (strings: varint length + UTF-8) and its data. Fixed-size values are little-endian; a String is
 * varint length + bytes; a UUID is its two 64-bit halves, each little-endian.
 */
import { COLUMNS } from './schema.js';
import type { MeasurementSegment } from './rows.js';

const TWO_32 = 4294967296;

/** Native block of `segments` for the measurement table. Returned as chunks, to be sent in order. */
export function encodeMeasurementBlock(sessionId: string, segments: readonly MeasurementSegment[]): Buffer[] {
  let rows = 0;
  for (const segment of segments) rows += segment.values.length;
  const [sessionCol, deviceCol, channelCol, unitCol, sampleCol, rowCol, valueCol, timeCol] = COLUMNS.measurement;
  const chunks: Buffer[] = [Buffer.concat([varint(COLUMNS.measurement.length), varint(rows)])];
  const column = (name: string, type: string, data: Buffer): void => {
    chunks.push(Buffer.concat([text(name), text(type)]), data);
  };

  column(sessionCol!.name, sessionCol!.type, Buffer.alloc(rows * 16, uuidBytes(sessionId)));
  column(
    deviceCol!.name,
    deviceCol!.type,
    stringColumn(segments, (s) => s.channel.device),
  );
  column(
    channelCol!.name,
    channelCol!.type,
    stringColumn(segments, (s) => s.channel.channel),
  );
  column(
    unitCol!.name,
    unitCol!.type,
    stringColumn(segments, (s) => s.channel.unit),
  );

  const samples = new Uint32Array(rows);
  const channelIndexes = new Uint32Array(rows);
  const values = new Float64Array(rows);
  const times = new ArrayBuffer(rows * 8);
  const timesAsInt64 = new BigInt64Array(times);
  const timesAsUint32 = new Uint32Array(times);
  let at = 0;
  for (const segment of segments) {
    const n = segment.values.length;
    for (let i = 0, sample = segment.firstSample; i < n; i++) samples[at + i] = sample + i;
    channelIndexes.fill(segment.channelIndex, at, at + n);
    values.set(segment.values, at);
    if (typeof segment.micros === 'number') {
      timesAsInt64.fill(BigInt(segment.micros), at, at + n);
    } else {
      const micros = segment.micros;
      for (let i = 0; i < n; i++) {
        const value = micros[i]!;
        const high = Math.floor(value / TWO_32);
        timesAsUint32[2 * (at + i)] = value - high * TWO_32;
        timesAsUint32[2 * (at + i) + 1] = high;
      }
    }
    at += n;
  }
  column(sampleCol!.name, sampleCol!.type, bytesOf(samples));
  column(rowCol!.name, rowCol!.type, bytesOf(channelIndexes));
  column(valueCol!.name, valueCol!.type, bytesOf(values));
  column(timeCol!.name, timeCol!.type, Buffer.from(times));
  return chunks;
}

/** A String column: each segment's string repeated for its rows, filled natively. */
function stringColumn(segments: readonly MeasurementSegment[], pick: (s: MeasurementSegment) => string): Buffer {
  const encoded = new Map<string, Buffer>();
  const entryOf = (value: string): Buffer => {
    let entry = encoded.get(value);
    if (!entry) {
      entry = text(value);
      encoded.set(value, entry);
    }
    return entry;
  };
  let size = 0;
  for (const segment of segments) size += entryOf(pick(segment)).length * segment.values.length;
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  for (const segment of segments) {
    const entry = entryOf(pick(segment));
    const end = at + entry.length * segment.values.length;
    if (end > at) out.fill(entry, at, end);
    at = end;
  }
  return out;
}

/** UUID text → the 16 bytes of its Native/RowBinary form. */
export function uuidBytes(uuid: string): Buffer {
  const hex = uuid.replaceAll('-', '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new Error(`not a UUID: ${uuid}`);
  const big = Buffer.from(hex, 'hex');
  return Buffer.concat([big.subarray(0, 8).reverse(), big.subarray(8, 16).reverse()]);
}

function text(value: string): Buffer {
  const bytes = Buffer.from(value, 'utf8');
  return Buffer.concat([varint(bytes.length), bytes]);
}

function varint(value: number): Buffer {
  const out: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    out.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  out.push(rest);
  return Buffer.from(out);
}

function bytesOf(array: Uint32Array | Float64Array): Buffer {
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength);
}
