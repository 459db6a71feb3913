/**
 * `rex export FILE --to hdf5`: the whole run in one NeXus-style HDF5 file (layout in
 * docs/export.md, HDF5). h5wasm's Node build reads and writes the host file system directly
 * (Emscripten NODERAWFS), so each chunk goes to disk as it is written and memory stays flat.
 */
import path from 'node:path';
import h5wasm, { type Group } from 'h5wasm/node';
import type { ChannelEntry, DeviceEntry, TomlTable } from '../../protocol/run-file/model.js';
import { type RunFile, RunFileError } from '../../runtime/run-file/run-file.js';
import { rexVersion } from '../version.js';
import type { ExportWriter } from './formats.js';
import { Appender } from './hdf5-appender.js';
import { type Attr, hdf5Name, tableAttrs } from './hdf5-attributes.js';
import { ChannelStamps } from './stamps.js';

/** Attributes a group of ours sets itself; a TOML key of the same name is written as `toml.<key>`. */
const OWN = new Set(['NX_class', 'name']);
export const TIMESTAMP_UNITS = 'ns since 1970-01-01T00:00:00Z';

export const hdf5Writer: ExportWriter = {
  async write(run, _device, file) {
    await h5wasm.ready;
    const h5 = new h5wasm.File(file, 'w', { track_order: true });
    try {
      setAttrs(h5, [
        text('NX_class', 'NXroot'),
        text('file_name', path.basename(run.path)),
        text('creator', `rex-daq ${rexVersion()}`),
        text('file_time', new Date().toISOString()),
      ]);
      const entry = group(h5, 'entry', 'NXentry');
      const { uuid, startTime, endTime, info } = run.session;
      const times: TomlTable = {};
      if (uuid !== undefined) times.UUID = uuid;
      if (startTime !== undefined) times.start_time = startTime;
      if (endTime !== undefined) times.end_time = endTime;
      setAttrs(entry, tableAttrs({ ...times, ...info }, new Set(['NX_class'])));
      setAttrs(group(entry, 'run', 'NXcollection'), tableAttrs(run.session.run, new Set(['NX_class'])));
      const instrument = group(entry, 'instrument', 'NXinstrument');
      for (const device of run.devices) await writeDevice(run, instrument, device);
      const results = group(entry, 'results', 'NXcollection');
      for (const result of run.results) {
        setAttrs(named(results, result.name, 'NXcollection'), tableAttrs(result.fields, OWN));
      }
    } finally {
      h5.close();
    }
  },
};

/** `instrument/<device>`: its config as attributes; `data/<channel>`, `timestamps/<channel>`, `row_lengths/<channel>` (ragged traces). */
async function writeDevice(run: RunFile, instrument: Group, device: DeviceEntry): Promise<void> {
  const node = named(instrument, device.name, 'NXcollection');
  setAttrs(node, tableAttrs(device.config, OWN));
  const data = group(node, 'data', 'NXcollection');
  const stamps = group(node, 'timestamps', 'NXcollection');
  let rowLengths: Group | undefined;
  for (const channel of device.channels) {
    if (channel.shape === 'single') {
      const values = new Appender<Float64Array>(data, hdf5Name(channel.name), '<d', 0, channel.points, (n) => new Float64Array(n));
      for await (const chunk of run.values(channel)) values.push(chunk);
      values.finish();
      setAttrs(values.node, channelAttrs(channel));
    } else if (channel.rowLength) {
      await writeRows(run, data, channel, channel.rowLength);
    } else {
      rowLengths ??= group(node, 'row_lengths', 'NXcollection');
      await writeRagged(run, data, rowLengths, channel);
    }
    await writeTimestamps(run, stamps, channel);
  }
}

/** A trace whose rows all have one length: a [rows, length] dataset. */
async function writeRows(run: RunFile, data: Group, channel: ChannelEntry, length: number): Promise<void> {
  const values = new Appender<Float64Array>(data, hdf5Name(channel.name), '<d', length, channel.points, (n) => new Float64Array(n));
  let index = 0;
  for await (const rows of run.rows(channel)) {
    for (const row of rows) {
      if (row.length !== length)
        throw new RunFileError(`${where(run, channel)}: row ${index} has ${row.length} values, the others ${length}`);
      values.push(row);
      index++;
    }
  }
  values.finish();
  setAttrs(values.node, channelAttrs(channel));
}

/** A ragged trace (or one of empty rows): its rows end to end, and `row_lengths/<channel>` (int64) to split them. */
async function writeRagged(run: RunFile, data: Group, rowLengths: Group, channel: ChannelEntry): Promise<void> {
  const name = hdf5Name(channel.name);
  const values = new Appender<Float64Array>(data, name, '<d', 0, channel.points, (n) => new Float64Array(n));
  const lengths = new Appender<BigInt64Array>(rowLengths, name, '<q', 0, channel.count, (n) => new BigInt64Array(n));
  for await (const rows of run.rows(channel)) {
    for (const row of rows) values.push(row);
    lengths.push(BigInt64Array.from(rows, (row) => BigInt(row.length)));
  }
  values.finish();
  lengths.finish();
  setAttrs(values.node, channelAttrs(channel));
  setAttrs(lengths.node, [text('name', channel.name)]);
}

/** `timestamps/<channel>`: int64 ns since the epoch, UTC; NaT (INT64_MIN) where one is not RFC 3339. */
async function writeTimestamps(run: RunFile, stamps: Group, channel: ChannelEntry): Promise<void> {
  const out = new Appender<BigInt64Array>(stamps, hdf5Name(channel.name), '<q', 0, channel.timestampCount, (n) => new BigInt64Array(n));
  const reader = new ChannelStamps(run.path, channel);
  for await (const chunk of run.timestamps(channel)) out.push(reader.toNanos(chunk));
  out.finish();
  setAttrs(out.node, [text('name', channel.name), text('units', TIMESTAMP_UNITS)]);
  reader.warn('NaT (INT64_MIN)');
}

function channelAttrs(channel: ChannelEntry): Attr[] {
  return [text('name', channel.name), text('units', channel.unit)];
}

function where(run: RunFile, channel: ChannelEntry): string {
  return `${run.path}: device ${JSON.stringify(channel.device)}, channel ${JSON.stringify(channel.name)}`;
}

function text(name: string, value: string): Attr {
  return { name, data: value, shape: [], dtype: null };
}

function group(parent: Group, name: string, nxClass: string): Group {
  const node = parent.create_group(name, true);
  setAttrs(node, [text('NX_class', nxClass)]);
  return node;
}

/** A group for a device or result: its name escaped, the original in `name`. */
function named(parent: Group, name: string, nxClass: string): Group {
  const node = group(parent, hdf5Name(name), nxClass);
  setAttrs(node, [text('name', name)]);
  return node;
}

function setAttrs(node: { create_attribute: Group['create_attribute'] }, attrs: readonly Attr[]): void {
  for (const a of attrs) node.create_attribute(a.name, a.data as never, a.shape, a.dtype);
}
