/**
 * `rex export --to csv`: one file per device, in long form (docs/export.md, "CSV"): a line per
 * value, `channel,unit,row,index,timestamp,value`. A single channel's value i is row i, index 0;
 * a trace's row i, point j is row i, index j. One rule holds scalars, traces and ragged traces;
 * pandas pivots it to wide form. The timestamp is the i-th of the channel's timestamps, as written
 * (empty past their end).
 *
 * Values are formatted straight into the sink's buffer; only the channel's prefix and a trace
 * row's timestamp are encoded once and copied per line.
 */
import type { ChannelEntry } from '../../protocol/run-file/model.js';
import { csvField, MAX_NUMBER_BYTES, writeFloat, writeIndex } from '../../protocol/run-file/csv-text.js';
import type { RunFile } from '../../runtime/run-file/run-file.js';
import { ByteSink } from './csv-sink.js';
import { StampFields } from './csv-stamps.js';
import type { ExportWriter } from './formats.js';

export const CSV_HEADER = 'channel,unit,row,index,timestamp,value\n';

const COMMA = 44;
const NEWLINE = 10;
const COMMA_BYTE = Buffer.from(',');
/** Room for one line beyond its prefix and timestamp: row, index, value and separators. */
const LINE_NUMBERS = 3 * MAX_NUMBER_BYTES + 8;

export const csvWriter: ExportWriter = {
  async write(run, device, path) {
    if (!device) throw new Error('the csv export writes one device at a time');
    const prefixes = device.channels.map((channel) => Buffer.from(`${csvField(channel.name)},${csvField(channel.unit)},`));
    const sink = await ByteSink.open(path);
    try {
      sink.pos += sink.out.write(CSV_HEADER, sink.pos, 'latin1');
      for (const [i, channel] of device.channels.entries()) {
        const stamps = new StampFields(run, channel);
        try {
          if (channel.shape === 'trace') await writeTrace(run, channel, prefixes[i]!, stamps, sink);
          else await writeSingle(run, channel, prefixes[i]!, stamps, sink);
        } finally {
          await stamps.close();
        }
      }
      await sink.finish();
    } catch (error) {
      await sink.close();
      throw error;
    }
  },
};

/** A line per value: `prefix row,0,timestamp,value`. */
async function writeSingle(run: RunFile, channel: ChannelEntry, prefix: Buffer, stamps: StampFields, sink: ByteSink): Promise<void> {
  let row = 0;
  for await (const values of run.values(channel)) {
    for (let i = 0; i < values.length; i++, row++) {
      const reading = stamps.advance();
      if (reading) await reading;
      const lineBytes = prefix.length + LINE_NUMBERS + stamps.end - stamps.start;
      if (sink.pos + lineBytes > sink.out.length) await sink.room(lineBytes);
      const out = sink.out;
      let pos = copy(prefix, out, sink.pos);
      pos = writeIndex(row, out, pos);
      out[pos++] = COMMA;
      out[pos++] = 48; // index 0
      out[pos++] = COMMA;
      const { bytes, end } = stamps;
      for (let k = stamps.start; k < end; k++) out[pos++] = bytes[k]!;
      out[pos++] = COMMA;
      pos = writeFloat(values[i]!, out, pos);
      out[pos++] = NEWLINE;
      sink.pos = pos;
    }
  }
}

/** A line per point: `prefix row,index,timestamp,value`, the row's prefix and timestamp encoded once. */
async function writeTrace(run: RunFile, channel: ChannelEntry, prefix: Buffer, stamps: StampFields, sink: ByteSink): Promise<void> {
  let row = 0;
  for await (const rows of run.rows(channel)) {
    for (const points of rows) {
      const reading = stamps.advance();
      if (reading) await reading;
      const rowPrefix = Buffer.concat([prefix, Buffer.from(`${row},`)]);
      const stampPart = Buffer.concat([COMMA_BYTE, stamps.bytes.subarray(stamps.start, stamps.end), COMMA_BYTE]);
      const lineBytes = rowPrefix.length + stampPart.length + 2 * MAX_NUMBER_BYTES + 1;
      for (let j = 0; j < points.length; j++) {
        if (sink.pos + lineBytes > sink.out.length) await sink.room(lineBytes);
        const out = sink.out;
        let pos = copy(rowPrefix, out, sink.pos);
        pos = writeIndex(j, out, pos);
        pos = copy(stampPart, out, pos);
        pos = writeFloat(points[j]!, out, pos);
        out[pos++] = NEWLINE;
        sink.pos = pos;
      }
      row++;
    }
  }
}

function copy(bytes: Uint8Array, out: Uint8Array, pos: number): number {
  if (bytes.length > 64) {
    out.set(bytes, pos);
    return pos + bytes.length;
  }
  for (let i = 0; i < bytes.length; i++) out[pos++] = bytes[i]!;
  return pos;
}
