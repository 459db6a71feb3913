/**
 * The Device message, the hot path: checked by hand, numeric arrays read into Float64Array in a
 * tight loop (or taken as already extracted from the line's bytes), channel names kept as the
 * user's keys (a zod record would drop a `__proto__` key).
 */
import type { ChannelData, DeviceMessage, JsonObject, JsonPath, MeasurementChannel } from '../messages.js';
import { type JsonObjectResult, describeJson, fieldPath, isNanStandIn, isPlainObject, validateJsonObject } from '../json.js';
import { type AllocateFloat64, type ExtractedBase64, allocFloat64, decodeBinaryTrace } from '../binary-trace.js';
import { type ExtractedData, placeholderIndex } from '../line-skeleton.js';
import { ChannelTable, rememberTable } from '../channel-table.js';
import { integralFloatPaths, valueText } from '../float-lexemes.js';
import { type ClientTimestamps, TimestampBytes } from '../timestamp-bytes.js';
import { type Message, type Validated, expected } from './validated.js';

// Where the config whose number types are kept sits in the line.
const DEVICE_CONFIG_AT = ['device_config'];
/**
 * The last message's text, its config's text and the config's floats. A trace line's skeleton is
 * the same text every time, found again at a string comparison; a device's scalar lines differ
 * only in their values, and their config, the same text every time, is found again at a
 * comparison of that text instead of a scan (bench/RESULTS.md).
 */
let lastConfigFloats: { line: string; config: string; floats: JsonPath[] | undefined } = { line: '', config: '', floats: undefined };
/** Longer texts are not remembered: a hostile line of many MB would be held until the next. */
const MAX_REMEMBERED_TEXT = 16 * 1024;

// Device (hot path)

export function validateDevice(message: Message, line: string, numbers: NumberSource): Validated<DeviceMessage> {
  const deviceName = message.device_name;
  if (typeof deviceName !== 'string') {
    return { ok: false, reason: `device_name: ${expected('a string', deviceName)}` };
  }
  const config = validateJsonObject(message.device_config, 'device_config');
  if (!config.ok) return config;
  const deviceTimestamps = readTimestampMap(message.timestamps, numbers);
  if (!deviceTimestamps.ok) return deviceTimestamps;

  const measurements = message.measurements;
  const table = extractedTable(measurements, numbers);
  if (table !== undefined) {
    return { ok: true, value: withTableChannels(withConfigFloats(deviceName, config, [], line), table, deviceTimestamps.value) };
  }
  if (!isPlainObject(measurements)) {
    return {
      ok: false,
      reason: `measurements: expected an object, got ${describeJson(measurements)}`,
    };
  }
  const channels: MeasurementChannel[] = [];
  for (const channelName of Object.keys(measurements)) {
    const measurement = measurements[channelName];
    const channel = readChannel(channelName, measurement, deviceTimestamps.value, numbers);
    if (!channel.ok) return channel;
    channels.push(channel.value);
  }
  return { ok: true, value: withConfigFloats(deviceName, config, channels, line) };
}

function withConfigFloats(
  deviceName: string,
  config: JsonObjectResult & { ok: true },
  channels: MeasurementChannel[],
  line: string,
): DeviceMessage {
  const device: DeviceMessage = { device_name: deviceName, device_config: config.value, channels };
  // Without a whole number in the config, no float can hide among its numbers: nothing to scan.
  const floats = config.wholeNumber ? configFloats(line, config.value) : undefined;
  if (floats !== undefined) device.device_config_floats = floats;
  return device;
}

function configFloats(line: string, config: JsonObject): JsonPath[] | undefined {
  const last = lastConfigFloats;
  if (line === last.line) return last.floats;
  const text = valueText(line, DEVICE_CONFIG_AT);
  if (text === undefined) return undefined;
  const floats = text === last.config ? last.floats : integralFloatPaths(text, [], config, true);
  lastConfigFloats = {
    line: line.length <= MAX_REMEMBERED_TEXT ? line : '',
    config: text.length <= MAX_REMEMBERED_TEXT ? text : '',
    floats,
  };
  return floats;
}

/** `measurements` kept as a table (a journal body, channel-table.ts): checked when it was made. */
function extractedTable(measurements: unknown, numbers: NumberSource): ChannelTable | undefined {
  if (numbers.extracted.length === 0) return undefined;
  const data = numbers.extracted[placeholderIndex(measurements, numbers.key)];
  return data instanceof ChannelTable ? data : undefined;
}

/**
 * `device` whose channels are the table's, made when first read: the parse pool only checks such a
 * line and answers the ingest from the table, and 100,000 channel objects made there for nothing
 * cost it a tenth of its time.
 */
function withTableChannels(device: DeviceMessage, table: ChannelTable, deviceTimestamps: Message | undefined): DeviceMessage {
  if (deviceTimestamps === undefined) rememberTable(device, table);
  let channels: MeasurementChannel[] | undefined;
  Object.defineProperty(device, 'channels', {
    enumerable: true,
    configurable: true,
    get: () => {
      channels ??= tableChannels(table, deviceTimestamps);
      return channels;
    },
    set: (value: MeasurementChannel[]) => {
      rememberTable(device, undefined);
      channels = value;
    },
  });
  return device;
}

/** The table's channels, as `readChannel` makes them (the device-level map's timestamps win). */
function tableChannels(table: ChannelTable, deviceTimestamps: Message | undefined): MeasurementChannel[] {
  const channels: MeasurementChannel[] = new Array<MeasurementChannel>(table.count);
  for (let i = 0; i < table.count; i++) {
    const channel = table.channel(i);
    if (deviceTimestamps !== undefined && Object.hasOwn(deviceTimestamps, channel.name)) {
      channel.timestamps = deviceTimestamps[channel.name] as ClientTimestamps;
    }
    channels[i] = channel;
  }
  return channels;
}

function readChannel(
  name: string,
  measurement: unknown,
  deviceTimestamps: Message | undefined,
  numbers: NumberSource,
): Validated<MeasurementChannel> {
  // Spelled out only for a reason: a line may hold 100,000 channels.
  const path = () => fieldPath('measurements', [name]);
  if (!isPlainObject(measurement)) {
    return { ok: false, reason: `${path()}: expected an object, got ${describeJson(measurement)}` };
  }
  const unit = measurement.unit;
  if (typeof unit !== 'string') {
    return { ok: false, reason: `${path()}.unit: ${expected('a string', unit)}` };
  }
  const data = readChannelData(measurement.data, name, numbers);
  if (!data.ok) return data;

  // The device-level map was validated whole; it wins over the per-measurement key.
  let timestamps: ClientTimestamps | undefined;
  if (deviceTimestamps !== undefined && Object.hasOwn(deviceTimestamps, name)) {
    timestamps = deviceTimestamps[name] as ClientTimestamps;
  } else if (measurement.timestamps !== undefined && measurement.timestamps !== null) {
    const own = readTimestamps(measurement.timestamps, `${path()}.timestamps`, numbers);
    if (!own.ok) return own;
    timestamps = own.value;
  }
  const channel: MeasurementChannel = { name, unit, data: data.value };
  if (timestamps !== undefined) channel.timestamps = timestamps;
  return { ok: true, value: channel };
}

/**
 * The device-level `timestamps` map: channel → array of strings (or their bytes, kept apart:
 * `TimestampBytes`, set in the map). Absent or null → undefined.
 */
function readTimestampMap(value: unknown, numbers: NumberSource): Validated<Message | undefined> {
  if (value === undefined || value === null) return { ok: true, value: undefined };
  if (!isPlainObject(value)) {
    return { ok: false, reason: `timestamps: expected an object, got ${describeJson(value)}` };
  }
  for (const channelName of Object.keys(value)) {
    const entry = readTimestamps(value[channelName], fieldPath('timestamps', [channelName]), numbers);
    if (!entry.ok) return entry;
    if (entry.value instanceof TimestampBytes) value[channelName] = entry.value;
  }
  return { ok: true, value };
}

/** An array of strings, or a placeholder for its bytes (line-skeleton.ts). */
function readTimestamps(value: unknown, path: string, numbers: NumberSource): Validated<ClientTimestamps> {
  if (numbers.extracted.length > 0) {
    const data = numbers.extracted[placeholderIndex(value, numbers.key)];
    if (data instanceof Uint8Array) return { ok: true, value: new TimestampBytes(data) };
  }
  return readStringArray(value, path);
}

function readStringArray(value: unknown, path: string): Validated<string[]> {
  if (!Array.isArray(value)) {
    const got = describeJson(value);
    return { ok: false, reason: `${path}: expected an array of strings, got ${got}` };
  }
  for (let i = 0; i < value.length; i++) {
    const item: unknown = value[i];
    if (typeof item !== 'string') {
      return { ok: false, reason: `${path}[${i}]: expected a string, got ${describeJson(item)}` };
    }
  }
  return { ok: true, value: value as string[] };
}

// ---------------------------------------------------------------------------------------------
// Channel data: flat array (Single), array of arrays (Multi), or the binary form (§12)

/** `channel`: the channel's name, for reasons. */
function readChannelData(data: unknown, channel: string, numbers: NumberSource): Validated<ChannelData> {
  const single = extractedNumbers(data, numbers);
  if (single !== undefined) return { ok: true, value: { shape: 'single', values: single } };
  if (Array.isArray(data)) {
    if (data.length > 0 && extractedNumbers(data[0], numbers) !== undefined) return extractedRows(data, numbers);
    if (data.length > 0 && Array.isArray(data[0])) return toMulti(data, channel, numbers.copy);
    return toSingle(data, channel, numbers.copy);
  }
  const path = dataPath(channel);
  if (isPlainObject(data)) {
    const decoded = decodeBinaryTrace(data, path, (value) => extractedBase64(value, numbers));
    return decoded.ok ? { ok: true, value: decoded.data } : decoded;
  }
  return {
    ok: false,
    reason: `${path}: expected an array of numbers, an array of arrays of numbers, or ` + `{"f64", "shape"}, got ${describeJson(data)}`,
  };
}

/** A Multi whose rows were all read from the bytes (line-skeleton.ts extracts every row or none). */
function extractedRows(rows: unknown[], numbers: NumberSource): Validated<ChannelData> {
  return { ok: true, value: { shape: 'multi', rows: rows.map((row) => extractedNumbers(row, numbers)!) } };
}

function extractedNumbers(value: unknown, numbers: NumberSource): Float64Array | undefined {
  if (numbers.extracted.length === 0) return undefined;
  const data = numbers.extracted[placeholderIndex(value, numbers.key)];
  return data instanceof Float64Array ? data : undefined;
}

/** The `f64` of a binary trace kept apart: its base64 bytes, or its values once decoded. */
function extractedBase64(value: unknown, numbers: NumberSource): ExtractedBase64 | undefined {
  if (numbers.extracted.length === 0) return undefined;
  const index = placeholderIndex(value, numbers.key);
  const data = numbers.extracted[index];
  if (data === undefined || data instanceof ChannelTable) return undefined;
  return {
    data,
    decoded: (values) => {
      numbers.extracted[index] = values;
    },
    allocate: numbers.allocateValues,
  };
}

function dataPath(channel: string): string {
  return `${fieldPath('measurements', [channel])}.data`;
}

function toSingle(items: unknown[], channel: string, copy: CopyNumbers): Validated<ChannelData> {
  const values = allocFloat64(items.length); // every slot is written or the array is dropped
  const failedAt = copy(items, values, 0);
  if (failedAt !== -1) {
    return { ok: false, reason: elementReason(items[failedAt], `${dataPath(channel)}[${failedAt}]`, NUMBER) };
  }
  return { ok: true, value: { shape: 'single', values } };
}

function toMulti(rowsIn: unknown[], channel: string, copy: CopyNumbers): Validated<ChannelData> {
  // First pass: shape only, so all rows share one buffer (one transfer across threads).
  let total = 0;
  for (let r = 0; r < rowsIn.length; r++) {
    const row: unknown = rowsIn[r];
    if (!Array.isArray(row)) {
      return { ok: false, reason: elementReason(row, `${dataPath(channel)}[${r}]`, ROW) };
    }
    total += row.length;
  }
  const buffer = allocFloat64(total); // every slot is written or the array is dropped
  const rows: Float64Array[] = new Array<Float64Array>(rowsIn.length);
  let offset = 0;
  for (let r = 0; r < rowsIn.length; r++) {
    const row = rowsIn[r] as unknown[];
    const failedAt = copy(row, buffer, offset);
    if (failedAt !== -1) {
      const at = `${dataPath(channel)}[${r}][${failedAt}]`;
      return { ok: false, reason: elementReason(row[failedAt], at, NUMBER) };
    }
    rows[r] = buffer.subarray(offset, offset + row.length);
    offset += row.length;
  }
  return { ok: true, value: { shape: 'multi', rows } };
}

/**
 * Copies `items` into `target` from `offset`; returns the index of the first element that is
 * not a number, or -1. Two variants, so the hot one stays a minimal loop the JIT compiles for
 * plain double arrays, and only lines that went through the NaN rewrite pay for the stand-in check.
 */
type CopyNumbers = (items: unknown[], target: Float64Array, offset: number) => number;

/** How a message's numbers are read: copied from parsed arrays, or already read from the bytes. */
export interface NumberSource {
  copy: CopyNumbers;
  /** Placeholders' key and the data they stand for (none for a line parsed as text). */
  key: string;
  extracted: ExtractedData[];
  /** Where a binary trace's decoded values go (binary-trace.ts); by default fresh arrays. */
  allocateValues?: AllocateFloat64;
}

export function copyNumbers(items: unknown[], target: Float64Array, offset: number): number {
  const length = items.length;
  for (let i = 0; i < length; i++) {
    const item = items[i];
    if (typeof item !== 'number') return i;
    target[offset + i] = item;
  }
  return -1;
}

export function copyNumbersOrNan(items: unknown[], target: Float64Array, offset: number): number {
  const length = items.length;
  for (let i = 0; i < length; i++) {
    const item = items[i];
    if (typeof item !== 'number') return i;
    target[offset + i] = isNanStandIn(item) ? NaN : item;
  }
  return -1;
}

const NUMBER = 'a number';
const ROW = 'a row (an array of numbers)';

function elementReason(item: unknown, path: string, wanted: typeof NUMBER | typeof ROW): string {
  const got = describeJson(item);
  const mixes = wanted === NUMBER ? Array.isArray(item) : typeof item === 'number';
  const hint = mixes ? ' (data mixes numbers and arrays)' : '';
  return `${path}: expected ${wanted}, got ${got}${hint}`;
}
