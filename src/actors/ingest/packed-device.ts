/**
 * A device message in a form that crosses threads cheaply, for the parse pool's answers.
 *
 * Structured clone rebuilds every object of a message on the receiving thread, in one go: for a
 * line of 10,000 small channels that took the ingest thread 40–60 ms, most of a hostile client's
 * delay to everyone else. Packed, the message is one JSON text (names, units, timestamps, shapes
 * and where each array lies), one slab holding the small arrays, and the big arrays, moved as
 * they are. Unpacking is a JSON.parse and a loop, a fraction of the cost.
 */
import type { ChannelData, DeviceMessage, MeasurementChannel } from '../../protocol/messages.js';

export interface PackedDevice {
  /** JSON: [device_name, [[name, unit, timestamps | null, 'single' | 'multi', ...arrays]]]. */
  text: string;
  /** The small arrays, one after another. */
  slab: Float64Array;
  /** Arrays of OWN_ARRAY_MIN_VALUES or more, as they were (their buffers can be moved). */
  arrays: Float64Array[];
}

/** From this length an array keeps its own buffer rather than being copied into the slab. */
const OWN_ARRAY_MIN_VALUES = 1024;

type PackedChannel = [name: string, unit: string, timestamps: string[] | null, shape: ChannelData['shape'], ...arrays: number[]];

/**
 * The device's config is not packed (the pool leaves it out of its answers; see
 * parse-pool-worker.ts): the unpacked message has `{}`.
 */
export function packDevice(message: DeviceMessage): PackedDevice {
  const arrays: Float64Array[] = [];
  let slabLength = 0;
  for (const channel of message.channels) {
    for (const values of arraysOf(channel.data)) if (values.length < OWN_ARRAY_MIN_VALUES) slabLength += values.length;
  }
  const slab = new Float64Array(slabLength);
  let at = 0;
  // Each array is a pair: [offset in the slab, length], or [-1 - index in `arrays`, length].
  const place = (values: Float64Array): [number, number] => {
    if (values.length >= OWN_ARRAY_MIN_VALUES) return [-1 - (arrays.push(values) - 1), values.length];
    slab.set(values, at);
    at += values.length;
    return [at - values.length, values.length];
  };
  const channels = message.channels.map(
    (channel): PackedChannel => [
      channel.name,
      channel.unit,
      channel.timestamps ?? null,
      channel.data.shape,
      ...arraysOf(channel.data).flatMap(place),
    ],
  );
  return { text: JSON.stringify([message.device_name, channels]), slab, arrays };
}

/** Plain loops, no per-channel closures: this runs once per big line, often before it is optimised. */
export function unpackDevice(packed: PackedDevice): DeviceMessage {
  const [deviceName, packedChannels] = JSON.parse(packed.text) as [string, PackedChannel[]];
  const channels = new Array<MeasurementChannel>(packedChannels.length);
  for (let c = 0; c < packedChannels.length; c++) {
    const entry = packedChannels[c]!;
    const name = entry[0];
    const unit = entry[1];
    const timestamps = entry[2];
    let data: ChannelData;
    if (entry[3] === 'single') {
      data = { shape: 'single', values: arrayAt(packed, entry[4]!, entry[5]!) };
    } else {
      const rows: Float64Array[] = [];
      for (let i = 4; i < entry.length; i += 2) rows.push(arrayAt(packed, entry[i] as number, entry[i + 1] as number));
      data = { shape: 'multi', rows };
    }
    channels[c] = timestamps === null ? { name, unit, data } : { name, unit, data, timestamps };
  }
  return { device_name: deviceName, device_config: {}, channels };
}

function arrayAt(packed: PackedDevice, start: number, length: number): Float64Array {
  return start < 0 ? packed.arrays[-1 - start]! : packed.slab.subarray(start, start + length);
}

function arraysOf(data: ChannelData): Float64Array[] {
  return data.shape === 'single' ? [data.values] : data.rows;
}
