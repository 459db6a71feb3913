/**
 * One trimmed, non-empty line → a typed message or the reason it is invalid (SPEC §1–2, §12).
 *
 * Dispatch keeps the original's precedence — exact command strings, then Device, Session,
 * Listener, Result, the first shape that validates wins — without trying every schema in turn:
 * a shape is a candidate only when all of its required keys are present (a shape missing one can
 * never validate), and candidates are validated in precedence order. In practice a line has one.
 *
 * Device is the hot path and is checked by hand (parse/device.ts); the small fixed-field shapes
 * are zod schemas (parse/fixed-shapes.ts).
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
import { COMMANDS, type Command, type ParsedLine } from './messages.js';
import { describeJson, isPlainObject, parseJsonText } from './json.js';
import { type LineSkeleton, extractMeasurementData } from './line-skeleton.js';
import type { AllocateFloat64 } from './binary-trace.js';
import { extractChannelTable } from './channel-table-scan.js';
import { MAX_LINE_BYTES } from './limits.js';
import { toReplySafeText } from './replies.js';
import { isTraceRangeLine, parseTraceRangeLine } from './trace-range.js';
import { type NumberSource, copyNumbers, copyNumbersOrNan, validateDevice } from './parse/device.js';
import { validateListener, validateResult, validateSession } from './parse/fixed-shapes.js';
import type { Message, Validated } from './parse/validated.js';

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
 * bulk data is read from the bytes and never becomes one big string. `allocateValues`: where a
 * big line's data arrays and decoded binary traces go (the ingest reuses arrays); by default
 * fresh arrays.
 */
export function parseLineBytes(line: Buffer, allocateValues?: AllocateFloat64): BytesParse {
  if (line.length >= BYTE_PATH_MIN_BYTES && line.length <= MAX_LINE_BYTES) {
    const table = extractChannelTable(line);
    if (table !== null) {
      // Anything but a device (a reason about the rest of the line) is told as the whole line's parse tells it.
      const parsed = parseLineSkeleton(table);
      if (parsed.kind === 'device') return { parsed, skeleton: table };
    }
    const skeleton = extractMeasurementData(line, allocateValues);
    // Nothing taken out (small arrays only): the skeleton is the whole text, kept as such.
    if (skeleton !== null)
      return { parsed: parseLineSkeleton(skeleton, allocateValues), skeleton: skeleton.extracted.length > 0 ? skeleton : null };
  }
  return { parsed: parseLine(line.toString('utf8')), skeleton: null };
}

/** A line kept as skeleton + bulk data (line-skeleton.ts) → what its whole text parses to. */
export function parseLineSkeleton(skeleton: LineSkeleton, allocateValues?: AllocateFloat64): ParsedLine {
  return parseMessage(skeleton.text, { key: skeleton.key, extracted: skeleton.extracted, allocateValues });
}

export function parseLine(line: string): ParsedLine {
  if (COMMAND_SET.has(line)) return { kind: 'command', command: line as Command };
  if (isTraceRangeLine(line)) {
    const range = parseTraceRangeLine(line);
    return 'reason' in range ? invalid(range.reason) : { kind: 'command', command: 'GET_DATASTREAM_FULL', range };
  }
  if (line.length > MAX_LINE_BYTES) {
    return invalid(`line longer than the ${MAX_LINE_BYTES}-byte limit`);
  }
  // Every message is a JSON object; anything else is a (mistyped) command or garbage.
  if (line.charCodeAt(0) !== 0x7b /* { */) return invalid(notAMessageReason(line));
  return parseMessage(line, NOTHING_EXTRACTED);
}

const NOTHING_EXTRACTED: PlaceholderData = { key: '', extracted: [] };

type PlaceholderData = Pick<NumberSource, 'key' | 'extracted' | 'allocateValues'>;

/** `line`: JSON object text, where placeholders may stand for extracted data. */
function parseMessage(line: string, { key, extracted, allocateValues }: PlaceholderData): ParsedLine {
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
  return classify(parsed.value, line, { copy: parsed.nanStandIns ? copyNumbersOrNan : copyNumbers, key, extracted, allocateValues });
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
  const upper = line.length <= 24 ? line.toUpperCase() : '';
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
