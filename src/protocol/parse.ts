/**
 * One trimmed, non-empty line → a typed message or the reason it is invalid (SPEC §1–2, §12).
 *
 * Dispatch keeps the original's precedence — exact command strings, then Device, Session,
 * Listener, Result, the first shape that validates wins — without trying every schema in turn:
 * a shape is a candidate only when all of its required keys are present (a shape missing one can
 * never validate), and candidates are validated in precedence order. In practice a line has one.
 *
 * Device is the hot path and is checked by hand: numeric arrays go to Float64Array in a tight
 * loop, and channel names are user keys (a zod record would drop a `__proto__` key). The small
 * fixed-field shapes are zod schemas.
 *
 * `device_config`, `info.meta` and `result_meta` come with the paths of the whole numbers the
 * client wrote as floats (`1.0`), found in the line's text (float-lexemes.ts): JSON.parse loses
 * the difference, and the TOML keeps it as the original did.
 *
 * Decisions where the original's behaviour is not kept (see the report / docs):
 * - an optional field given as `null` counts as absent (Python `None`), also for `timestamps`
 *   and `result_meta`, which the original rejected when null;
 * - the top level must be a JSON object (serde also accepted a JSON array of the fields in order);
 * - a key given twice in one object: the last one wins (JSON.parse), where serde rejected
 *   duplicate struct fields.
 * Channels come in the client's order, except that JS lists integer-like keys ("0", "17")
 * first, in ascending order (a property of JS objects; the original used a HashMap, no order).
 */
import { z } from 'zod';
import {
  COMMANDS,
  type ChannelData,
  type Command,
  type DeviceMessage,
  type JsonObject,
  type ListenerMessage,
  type MeasurementChannel,
  type ParsedLine,
  type ResultMessage,
  type SessionMessage,
} from './messages.js';
import {
  describeJson,
  fieldPath,
  isNanStandIn,
  isPlainObject,
  parseJsonText,
  validateJsonObject,
} from './json.js';
import { type ExtractedBase64, allocFloat64, decodeBinaryTrace } from './binary-trace.js';
import { type ExtractedData, type LineSkeleton, extractMeasurementData, placeholderIndex } from './line-skeleton.js';
import { integralFloatPaths } from './float-lexemes.js';
import { MAX_LINE_BYTES } from './limits.js';
import { toReplySafeText } from './replies.js';

type Validated<T> = { ok: true; value: T } | { ok: false; reason: string };
type Message = Record<string, unknown>;

const COMMAND_SET: ReadonlySet<string> = new Set(COMMANDS);
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;

/** `String.prototype.isWellFormed` (Node 20 has it; TypeScript's ES2023 lib does not list it). */
const isWellFormed = (text: string): boolean => (text as string & { isWellFormed(): boolean }).isWellFormed();

function holdsLoneSurrogate(value: unknown): boolean {
  if (typeof value === 'string') return !isWellFormed(value);
  if (Array.isArray(value)) return value.some(holdsLoneSurrogate);
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).some(([key, child]) => !isWellFormed(key) || holdsLoneSurrogate(child));
  }
  return false;
}

/** Lines from this size on are parsed from their bytes (line-skeleton.ts); smaller ones as text. */
const BYTE_PATH_MIN_BYTES = 16 * 1024;

export interface BytesParse {
  parsed: ParsedLine;
  /** Set when the line was read as skeleton + bulk data: what the journal keeps of it. */
  skeleton: LineSkeleton | null;
}

/**
 * One trimmed line of valid UTF-8 → as `parseLine`, with the same result. A big device line's
 * bulk data is read from the bytes and never becomes one big string.
 */
export function parseLineBytes(line: Buffer): BytesParse {
  if (line.length >= BYTE_PATH_MIN_BYTES && line.length <= MAX_LINE_BYTES) {
    const skeleton = extractMeasurementData(line);
    // Nothing taken out (small arrays only): the skeleton is the whole text, kept as such.
    if (skeleton !== null) return { parsed: parseLineSkeleton(skeleton), skeleton: skeleton.extracted.length > 0 ? skeleton : null };
  }
  return { parsed: parseLine(line.toString('utf8')), skeleton: null };
}

/** A line kept as skeleton + bulk data (line-skeleton.ts) → what its whole text parses to. */
export function parseLineSkeleton(skeleton: LineSkeleton): ParsedLine {
  return parseMessage(skeleton.text, skeleton);
}

export function parseLine(line: string): ParsedLine {
  if (COMMAND_SET.has(line)) return { kind: 'command', command: line as Command };
  if (line.length > MAX_LINE_BYTES) {
    return invalid(`line longer than the ${MAX_LINE_BYTES}-byte limit`);
  }
  // Every message is a JSON object; anything else is a (mistyped) command or garbage.
  if (line.charCodeAt(0) !== 0x7b /* { */) return invalid(notAMessageReason(line));
  return parseMessage(line, NOTHING_EXTRACTED);
}

const NOTHING_EXTRACTED: PlaceholderData = { key: '', extracted: [] };

type PlaceholderData = Pick<LineSkeleton, 'key' | 'extracted'>;

/** `line`: JSON object text, where placeholders may stand for extracted data. */
function parseMessage(line: string, { key, extracted }: PlaceholderData): ParsedLine {
  const parsed = parseJsonText(line);
  if (!parsed.ok) return invalid(parsed.reason);
  if (!isPlainObject(parsed.value)) {
    return invalid(`expected a JSON object, got ${describeJson(parsed.value)}`);
  }
  // A `\ud800`-style escape without its pair is not text (the original's parser refused it); two
  // such names would even collide in the output file. Only lines with such an escape are walked.
  if (line.includes('\\u') && SURROGATE_ESCAPE.test(line) && holdsLoneSurrogate(parsed.value)) {
    return invalid('a string holds an unpaired UTF-16 surrogate escape (\\ud800-\\udfff)');
  }
  // Without the NaN rewrite no stand-in can exist, and the hot loop can skip looking for one.
  return classify(parsed.value, line, { copy: parsed.nanStandIns ? copyNumbersOrNan : copyNumbers, key, extracted });
}

// ---------------------------------------------------------------------------------------------
// Classification by keys present

interface Shape {
  label: string;
  required: readonly string[];
  /** `line` is the message's text: whole numbers written as floats are found in it. */
  validate: (message: Message, line: string, numbers: NumberSource) => ParsedLine;
}

/** In the original's precedence order. */
const SHAPES: readonly Shape[] = [
  {
    label: 'Device',
    required: ['device_name', 'device_config', 'measurements'],
    validate: (m, line, numbers) => wrap('device', validateDevice(m, line, numbers)),
  },
  {
    label: 'Session',
    required: ['info'],
    validate: (m, line) => wrap('session', validateSession(m, line)),
  },
  {
    label: 'Listener',
    required: ['name', 'id'],
    validate: (m) => wrap('listener', validateListener(m)),
  },
  {
    label: 'Result',
    required: ['result_name', 'result_description', 'result_status'],
    validate: (m, line) => wrap('result', validateResult(m, line)),
  },
];

function classify(message: Message, line: string, numbers: NumberSource): ParsedLine {
  let firstFailure: ParsedLine | undefined;
  for (const shape of SHAPES) {
    if (!shape.required.every((key) => Object.hasOwn(message, key))) continue;
    const result = shape.validate(message, line, numbers);
    if (result.kind !== 'invalid') return result;
    firstFailure ??= result;
  }
  return firstFailure ?? invalid(unrecognisedReason(message));
}

/** Names the shape the object came closest to and the keys it lacks. */
function unrecognisedReason(message: Message): string {
  let best: { shape: Shape; present: number } | undefined;
  for (const shape of SHAPES) {
    const present = shape.required.filter((key) => Object.hasOwn(message, key)).length;
    if (present > 0 && (best === undefined || present > best.present)) best = { shape, present };
  }
  if (best === undefined) {
    return (
      'not a known message: expected a Device (device_name, device_config, measurements), ' +
      'Session (info), Listener (name, id) or Result (result_name, result_description, ' +
      'result_status) object'
    );
  }
  const missing = best.shape.required.filter((key) => !Object.hasOwn(message, key));
  return `${best.shape.label} message missing ${missing.join(', ')}`;
}

function notAMessageReason(line: string): string {
  // Short lines only: no point upper-casing a megabyte of garbage.
  const upper = line.length <= 16 ? line.toUpperCase() : '';
  const caseMismatch = COMMANDS.find((command) => command === upper);
  if (caseMismatch !== undefined) {
    return `unknown command (commands are case-sensitive: did you mean ${caseMismatch}?)`;
  }
  return `expected a command (${COMMANDS.join(', ')}) or a JSON object`;
}

/** Reasons quote client text (keys, JSON.parse snippets): keep them single-line and bounded. */
function invalid(reason: string): ParsedLine {
  return { kind: 'invalid', reason: toReplySafeText(reason) };
}

function wrap<K extends 'device' | 'session' | 'listener' | 'result'>(
  kind: K,
  result: Validated<Extract<ParsedLine, { kind: K }>['message']>,
): ParsedLine {
  return result.ok ? ({ kind, message: result.value } as ParsedLine) : invalid(result.reason);
}

// ---------------------------------------------------------------------------------------------
// Aliases (serde `#[serde(alias)]`): an alias maps to its field; two names of one group → invalid

type AliasGroups = Readonly<Record<string, readonly string[]>>;

const SESSION_INFO_ALIASES: AliasGroups = {
  session_name: ['experiment_name', 'test_name', 'run_name'],
  session_description: ['experiment_description', 'test_description', 'run_description'],
};

const RESULT_ALIASES: AliasGroups = {
  result_upper_bound: ['upper_bound', 'ub'],
  result_lower_bound: ['lower_bound', 'lb'],
};

function resolveAliases(object: Message, groups: AliasGroups, path: string): Validated<Message> {
  let resolved: Message | undefined;
  for (const [field, aliases] of Object.entries(groups)) {
    const given = [field, ...aliases].filter((name) => Object.hasOwn(object, name));
    if (given.length > 1) {
      return {
        ok: false,
        reason: `${fieldPath(path, [field])}: given more than once (as ${given.join(' and ')})`,
      };
    }
    const name = given[0];
    if (name !== undefined && name !== field) {
      resolved ??= { ...object };
      resolved[field] = object[name];
    }
  }
  return { ok: true, value: resolved ?? object };
}

// ---------------------------------------------------------------------------------------------
// zod schemas of the fixed-field shapes, with reasons that name the field

const requiredString = z.string({ error: (issue) => expected('a string', issue.input) });
const optionalString = z
  .string({ error: (issue) => expected('a string or null', issue.input) })
  .nullish();
const requiredBoolean = z.boolean({ error: (issue) => expected('true or false', issue.input) });
/** Any float64 including ±Infinity and NaN (zod's z.number() refuses non-finite values). */
const optionalNumber = z
  .custom<number>((value) => typeof value === 'number', {
    error: (issue) => expected('a number or null', issue.input),
  })
  .transform((value) => (isNanStandIn(value) ? NaN : value))
  .nullish();

const HYPHENATED_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SIMPLE_UUID = /^[0-9a-f]{32}$/i;
const optionalUuid = z
  .string({ error: (issue) => expected('a UUID string or null', issue.input) })
  .refine((text) => isUuidText(text), { error: 'not a valid UUID' })
  .nullish();

/** The forms serde's `Uuid` accepts: hyphenated, simple (32 hex), `urn:uuid:…`, `{…}`. */
function isUuidText(text: string): boolean {
  if (text.startsWith('{') && text.endsWith('}')) return HYPHENATED_UUID.test(text.slice(1, -1));
  const body = /^urn:uuid:/i.test(text) ? text.slice('urn:uuid:'.length) : text;
  return HYPHENATED_UUID.test(body) || SIMPLE_UUID.test(body);
}

export const SessionEnvelopeSchema = z.object({
  info: z.unknown().optional(),
  start_time: optionalString,
  end_time: optionalString,
  uuid: optionalUuid,
});

export const SessionInfoSchema = z.object({
  name: requiredString,
  email: requiredString,
  session_name: requiredString,
  session_description: requiredString,
  meta: z.unknown().optional(),
});

export const ListenerSchema = z.object({ name: requiredString, id: requiredString });

export const ResultSchema = z.object({
  result_name: requiredString,
  result_description: requiredString,
  result_status: requiredBoolean,
  result_value: optionalNumber,
  result_lower_bound: optionalNumber,
  result_upper_bound: optionalNumber,
  result_meta: z.unknown().optional(),
});

function expected(what: string, input: unknown): string {
  if (input === undefined) return 'required field missing';
  return `expected ${what}, got ${describeJson(input)}`;
}

/** Runs a schema; the first issue becomes `<field path>: <message>`. */
function zodCheck<S extends z.ZodType>(
  schema: S,
  input: unknown,
  path: string,
): Validated<z.output<S>> {
  const result = schema.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  const issue = result.error.issues[0]!;
  const segments = issue.path.filter((s): s is string | number => typeof s !== 'symbol');
  return { ok: false, reason: `${fieldPath(path, segments) || '(message)'}: ${issue.message}` };
}

/** An optional JSON-object field: absent or null → undefined. */
function optionalJsonObject(value: unknown, path: string): Validated<JsonObject | undefined> {
  if (value === undefined || value === null) return { ok: true, value: undefined };
  return validateJsonObject(value, path);
}

// ---------------------------------------------------------------------------------------------
// Session, Listener, Result

// Where the JSON objects whose number types are kept sit in the line (aliases do not apply).
const SESSION_META_AT = ['info', 'meta'];
const RESULT_META_AT = ['result_meta'];
const DEVICE_CONFIG_AT = ['device_config'];

function validateSession(message: Message, line: string): Validated<SessionMessage> {
  const envelope = zodCheck(SessionEnvelopeSchema, message, '');
  if (!envelope.ok) return envelope;
  if (!isPlainObject(message.info)) {
    return { ok: false, reason: `info: expected an object, got ${describeJson(message.info)}` };
  }
  const aliased = resolveAliases(message.info, SESSION_INFO_ALIASES, 'info');
  if (!aliased.ok) return aliased;
  const info = zodCheck(SessionInfoSchema, aliased.value, 'info');
  if (!info.ok) return info;
  const meta = optionalJsonObject(info.value.meta, 'info.meta');
  if (!meta.ok) return meta;

  const { name, email, session_name, session_description } = info.value;
  const metaFloats = meta.value && integralFloatPaths(line, SESSION_META_AT, meta.value);
  return {
    ok: true,
    value: {
      info: {
        name,
        email,
        session_name,
        session_description,
        ...(meta.value !== undefined && { meta: meta.value }),
        ...(metaFloats !== undefined && { meta_floats: metaFloats }),
      },
    },
  };
}

function validateListener(message: Message): Validated<ListenerMessage> {
  const listener = zodCheck(ListenerSchema, message, '');
  if (!listener.ok) return listener;
  return { ok: true, value: { name: listener.value.name, id: listener.value.id } };
}

function validateResult(message: Message, line: string): Validated<ResultMessage> {
  const aliased = resolveAliases(message, RESULT_ALIASES, '');
  if (!aliased.ok) return aliased;
  const fields = zodCheck(ResultSchema, aliased.value, '');
  if (!fields.ok) return fields;
  const meta = optionalJsonObject(fields.value.result_meta, 'result_meta');
  if (!meta.ok) return meta;

  const r = fields.value;
  const result: ResultMessage = {
    result_name: r.result_name,
    result_description: r.result_description,
    result_status: r.result_status,
  };
  if (r.result_value != null) result.result_value = r.result_value;
  if (r.result_lower_bound != null) result.result_lower_bound = r.result_lower_bound;
  if (r.result_upper_bound != null) result.result_upper_bound = r.result_upper_bound;
  if (meta.value !== undefined) {
    result.result_meta = meta.value;
    const metaFloats = integralFloatPaths(line, RESULT_META_AT, meta.value);
    if (metaFloats !== undefined) result.result_meta_floats = metaFloats;
  }
  return { ok: true, value: result };
}

// ---------------------------------------------------------------------------------------------
// Device (hot path)

function validateDevice(message: Message, line: string, numbers: NumberSource): Validated<DeviceMessage> {
  const deviceName = message.device_name;
  if (typeof deviceName !== 'string') {
    return { ok: false, reason: `device_name: ${expected('a string', deviceName)}` };
  }
  const config = validateJsonObject(message.device_config, 'device_config');
  if (!config.ok) return config;
  const deviceTimestamps = readTimestampMap(message.timestamps);
  if (!deviceTimestamps.ok) return deviceTimestamps;

  const measurements = message.measurements;
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
  const device: DeviceMessage = { device_name: deviceName, device_config: config.value, channels };
  // Scans only the config's span of the line (and skips it when the config has no whole number).
  const configFloats = integralFloatPaths(line, DEVICE_CONFIG_AT, config.value);
  if (configFloats !== undefined) device.device_config_floats = configFloats;
  return { ok: true, value: device };
}

function readChannel(
  name: string,
  measurement: unknown,
  deviceTimestamps: Message | undefined,
  numbers: NumberSource,
): Validated<MeasurementChannel> {
  const path = fieldPath('measurements', [name]);
  if (!isPlainObject(measurement)) {
    return { ok: false, reason: `${path}: expected an object, got ${describeJson(measurement)}` };
  }
  const unit = measurement.unit;
  if (typeof unit !== 'string') {
    return { ok: false, reason: `${path}.unit: ${expected('a string', unit)}` };
  }
  const data = readChannelData(measurement.data, `${path}.data`, numbers);
  if (!data.ok) return data;

  // The device-level map was validated whole; it wins over the per-measurement key.
  let timestamps: string[] | undefined;
  if (deviceTimestamps !== undefined && Object.hasOwn(deviceTimestamps, name)) {
    timestamps = deviceTimestamps[name] as string[];
  } else if (measurement.timestamps !== undefined && measurement.timestamps !== null) {
    const own = readStringArray(measurement.timestamps, `${path}.timestamps`);
    if (!own.ok) return own;
    timestamps = own.value;
  }
  const channel: MeasurementChannel = { name, unit, data: data.value };
  if (timestamps !== undefined) channel.timestamps = timestamps;
  return { ok: true, value: channel };
}

/** The device-level `timestamps` map: channel → array of strings. Absent or null → undefined. */
function readTimestampMap(value: unknown): Validated<Message | undefined> {
  if (value === undefined || value === null) return { ok: true, value: undefined };
  if (!isPlainObject(value)) {
    return { ok: false, reason: `timestamps: expected an object, got ${describeJson(value)}` };
  }
  for (const channelName of Object.keys(value)) {
    const entry = readStringArray(value[channelName], fieldPath('timestamps', [channelName]));
    if (!entry.ok) return entry;
  }
  return { ok: true, value };
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

function readChannelData(data: unknown, path: string, numbers: NumberSource): Validated<ChannelData> {
  const single = extractedNumbers(data, numbers);
  if (single !== undefined) return { ok: true, value: { shape: 'single', values: single } };
  if (Array.isArray(data)) {
    if (data.length > 0 && extractedNumbers(data[0], numbers) !== undefined) return extractedRows(data, numbers);
    if (data.length > 0 && Array.isArray(data[0])) return toMulti(data, path, numbers.copy);
    return toSingle(data, path, numbers.copy);
  }
  if (isPlainObject(data)) {
    const decoded = decodeBinaryTrace(data, path, (value) => extractedBase64(value, numbers));
    return decoded.ok ? { ok: true, value: decoded.data } : decoded;
  }
  return {
    ok: false,
    reason:
      `${path}: expected an array of numbers, an array of arrays of numbers, or ` +
      `{"f64", "shape"}, got ${describeJson(data)}`,
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
  if (data === undefined) return undefined;
  return { data, decoded: (values) => void (numbers.extracted[index] = values) };
}

function toSingle(items: unknown[], path: string, copy: CopyNumbers): Validated<ChannelData> {
  const values = allocFloat64(items.length); // every slot is written or the array is dropped
  const failedAt = copy(items, values, 0);
  if (failedAt !== -1) {
    return { ok: false, reason: elementReason(items[failedAt], `${path}[${failedAt}]`, NUMBER) };
  }
  return { ok: true, value: { shape: 'single', values } };
}

function toMulti(rowsIn: unknown[], path: string, copy: CopyNumbers): Validated<ChannelData> {
  // First pass: shape only, so all rows share one buffer (one transfer across threads).
  let total = 0;
  for (let r = 0; r < rowsIn.length; r++) {
    const row: unknown = rowsIn[r];
    if (!Array.isArray(row)) {
      return { ok: false, reason: elementReason(row, `${path}[${r}]`, ROW) };
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
      const at = `${path}[${r}][${failedAt}]`;
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
interface NumberSource {
  copy: CopyNumbers;
  /** Placeholders' key and the data they stand for (none for a line parsed as text). */
  key: string;
  extracted: ExtractedData[];
}

function copyNumbers(items: unknown[], target: Float64Array, offset: number): number {
  const length = items.length;
  for (let i = 0; i < length; i++) {
    const item = items[i];
    if (typeof item !== 'number') return i;
    target[offset + i] = item;
  }
  return -1;
}

function copyNumbersOrNan(items: unknown[], target: Float64Array, offset: number): number {
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
