/**
 * A device message as the ingest decides it: its name and each channel's outline (merge.ts: name,
 * unit, shape, lengths, and of its client timestamps only their count, the first and the first
 * that is not RFC 3339), never the values or the timestamp strings, which only the journal body
 * holds. The parse pool answers a big device line so: a 1M-point trace with a timestamp per point
 * used to come back as a million strings to rebuild and check on the ingest thread.
 *
 * Outlines come in slices of OUTLINE_SLICE channels (from the pool, one JSON text each), and the
 * ingest decides one slice per turn of its event loop: a line of 100,000 channels does not hold
 * the replies to other connections while it is decided.
 */
import { type ChannelOutline, type DeviceRegistry, OutlineMerge, outlineChannel, outlineTimestamps } from '../../protocol/merge.js';
import type { DeviceMessage, JsonObject, JsonPath } from '../../protocol/messages.js';
import type { ChannelTable } from '../../protocol/channel-table.js';

/** Channels decided in one turn of the ingest's event loop (~1 ms of work each, measured). */
export const OUTLINE_SLICE = 1000;

export interface OutlinedDevice {
  deviceName: string;
  /** Empty from the pool, which leaves the config out (the ingest does not need it). */
  config: JsonObject;
  configFloats?: JsonPath[];
  slices: number;
  slice(index: number): ChannelOutline[];
}

/** What crosses from the pool: plain strings, cheap to clone. */
export interface PackedOutlines {
  deviceName: string;
  /** Each: JSON of [name, unit, multi (0 | 1), length, firstRowLength, [count, first, invalid] | 0][]. */
  slices: string[];
}

type PackedOutline = [string, string, 0 | 1, number, number, [number, string, string | null] | 0];

/** A message parsed in place: its channels are outlined slice by slice as the ingest asks. */
export function outlinesOf(message: DeviceMessage): OutlinedDevice {
  const { channels } = message;
  return {
    deviceName: message.device_name,
    config: message.device_config,
    ...(message.device_config_floats !== undefined && { configFloats: message.device_config_floats }),
    slices: Math.max(1, Math.ceil(channels.length / OUTLINE_SLICE)),
    slice: (index) => channels.slice(index * OUTLINE_SLICE, (index + 1) * OUTLINE_SLICE).map(outlineChannel),
  };
}

/** On the pool's thread: the outlines, with every client timestamp checked there. */
export function packOutlines(message: DeviceMessage): PackedOutlines {
  const slices: string[] = [];
  const { channels } = message;
  for (let start = 0; start < channels.length || start === 0; start += OUTLINE_SLICE) {
    const slice: PackedOutline[] = [];
    for (const channel of channels.slice(start, start + OUTLINE_SLICE)) {
      const { name, unit, multi, length, firstRowLength } = outlineChannel(channel);
      const stamps = channel.timestamps === undefined ? 0 : outlineTimestamps(channel.timestamps, mayBeUsed(channel.timestamps, length));
      slice.push([name, unit, multi ? 1 : 0, length, firstRowLength, stamps === 0 ? 0 : [stamps.length, stamps.first, stamps.invalid]]);
    }
    slices.push(JSON.stringify(slice));
  }
  return { deviceName: message.device_name, slices };
}

/**
 * The merge uses client timestamps only when there is one, or one per stored entry: `length`
 * entries, or 1 (a flat message into a multi channel is one row). 5,000,000 timestamps for one
 * value are not checked one by one.
 */
function mayBeUsed(timestamps: { readonly length: number }, length: number): boolean {
  return timestamps.length === 1 || timestamps.length === length;
}

/** On the ingest thread: each slice is read when it is decided. */
export function unpackOutlines(packed: PackedOutlines): OutlinedDevice {
  return {
    deviceName: packed.deviceName,
    config: {},
    slices: packed.slices.length,
    slice: (index) => (JSON.parse(packed.slices[index]!) as PackedOutline[]).map(readOutline),
  };
}

function readOutline([name, unit, multi, length, firstRowLength, stamps]: PackedOutline): ChannelOutline {
  const outline = { name, unit, multi: multi === 1, length, firstRowLength };
  return stamps === 0 ? outline : { ...outline, timestamps: { length: stamps[0], first: stamps[1], invalid: stamps[2] } };
}

/** On the ingest thread: the outlines of a line whose channels are a table in its journal body (channel-table.ts). */
export function tableOutlines(deviceName: string, table: ChannelTable): OutlinedDevice {
  return {
    deviceName,
    config: {},
    slices: Math.max(1, Math.ceil(table.count / OUTLINE_SLICE)),
    slice: (index) => {
      const outlines: ChannelOutline[] = [];
      for (let i = index * OUTLINE_SLICE; i < Math.min(table.count, (index + 1) * OUTLINE_SLICE); i++) {
        outlines.push({ name: table.name(i), unit: table.unit(i), multi: false, length: table.length(i), firstRowLength: 0 });
      }
      return outlines;
    },
  };
}

/** Decides all of `device` at once (a line of few channels, a stale decision, a journal replayed). */
export function decideAtOnce(devices: DeviceRegistry, device: OutlinedDevice, arrivalTime: string): OutlineMerge {
  const merge = new OutlineMerge(devices, device.deviceName, device.config, device.configFloats, arrivalTime);
  for (let slice = 0; slice < device.slices && merge.add(device.slice(slice)); slice++) {}
  return merge;
}
