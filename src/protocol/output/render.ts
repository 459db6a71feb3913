/**
 * The output TOML file (SPEC §5), rendered as a stream of text chunks.
 *
 * Layout, keys sorted at every level (code-point order, as the original's BTreeMap):
 *   [device.<name>]                device_name + device_config (nested objects → sub-tables)
 *   [device.<name>.data.<channel>] data (floats; multi: one row per line), unit
 *   [device.<name>.timestamps]     <channel> = one string per value (single) / row (multi)
 *   [results.<name>]               result fields + result_meta flattened in
 *   [session]                      UUID, end_time, start_time
 *   [session.info] / [session.info.meta] / [session.run]
 * Within a table, plain keys come first (TOML requires it), then sub-tables. A table with only
 * sub-tables gets no header of its own; an empty table does (so `data` and `timestamps` always
 * exist). Nulls are left out. rex's own keys win: a colliding user key is left out with a warning.
 */
import type { JsonObject, JsonValue, ResultMessage, SessionInfo } from '../messages.js';
import type { OutputChannel, OutputDevice, OutputSession, OutputSource, RenderedSections } from './source.js';
import {
  type FloatMarks,
  childMarks,
  floatMarks,
  formatFloats,
  sortByKey,
  sortKeys,
  tomlFloat,
  tomlHeader,
  tomlHeaderKey,
  tomlInlineValue,
  tomlKey,
  tomlString,
} from './toml-values.js';

export type RenderWarningCode = 'reserved-key' | 'mixed-array';

export interface RenderWarning {
  readonly code: RenderWarningCode;
  /** The table, e.g. `device.scope` or `results.fit`. */
  readonly table: string;
  readonly key: string;
  readonly message: string;
}

export interface RenderOptions {
  /**
   * Text is yielded once this many characters are buffered (default 64 Ki), and before each run of
   * data values, which comes as bytes.
   */
  readonly chunkChars?: number;
  readonly onWarning?: (warning: RenderWarning) => void;
  /**
   * Formats a run of data values (default: `formatFloats`, here). The file-writer hands some runs
   * to another thread; results are written in order whenever they come.
   */
  readonly formatFloats?: FloatRunFormatter;
  /**
   * Lets the caller's event loop turn (e.g. `setImmediate`); awaited every few thousand keys,
   * channels or devices, so that rendering a huge section (a config of millions of keys) does not
   * hold the thread for seconds before its first chunk.
   */
  readonly pause?: () => Promise<void>;
}

/**
 * `values` as TOML floats joined by `separator`, now or later. `values` may be a view of memory the
 * caller reuses once this returns: a formatter that works later copies them first.
 */
export type FloatRunFormatter = (values: Float64Array, separator: string) => Uint8Array | Promise<Uint8Array>;

/** A piece of the file: text, or the ASCII bytes of formatted data values. */
export type OutputChunk = string | Uint8Array;

/** Keys rex writes itself in a device table. */
export const DEVICE_RESERVED_KEYS: ReadonlySet<string> = new Set(['device_name', 'data', 'timestamps']);
/** Keys rex writes itself in a result table (plus the table's own name). */
export const RESULT_RESERVED_KEYS: ReadonlySet<string> = new Set([
  'result_name',
  'result_description',
  'result_status',
  'result_value',
  'result_lower_bound',
  'result_upper_bound',
]);

/** The `device_config` keys that rex's own keys push out of the TOML (kept in JSON outputs). */
export function deviceConfigCollisions(config: JsonObject): string[] {
  return Object.keys(config).filter((k) => DEVICE_RESERVED_KEYS.has(k) && config[k] !== null);
}

/** The `result_meta` keys that the result's own fields push out of the TOML. */
export function resultMetaCollisions(meta: JsonObject): string[] {
  return Object.keys(meta).filter((k) => RESULT_RESERVED_KEYS.has(k) && meta[k] !== null);
}

/** Renders the whole file; concatenating the chunks (bytes read as ASCII) gives the file's text. */
export async function* renderOutput(source: OutputSource, options: RenderOptions = {}): AsyncGenerator<OutputChunk> {
  const out = new ChunkBuffer(options.chunkChars ?? 64 * 1024);
  const ctx: Context = { warn: options.onWarning ?? (() => {}), pace: new Pace(options.pause) };
  const root = tableNode();
  if (source.devices.length > 0) {
    const devices = tableNode();
    const floats = options.formatFloats ?? formatFloats;
    for (const device of source.devices) addTable(devices, device.name, await deviceNode(device, floats, ctx));
    addTable(root, 'device', devices);
  }
  if (source.results !== undefined && source.results.length > 0) {
    const results = tableNode();
    for (const result of source.results) addTable(results, result.result_name, await resultNode(result, ctx));
    addTable(root, 'results', results);
  }
  if (source.session !== undefined) addTable(root, 'session', await sessionNode(source.session, ctx));
  yield* writeTable([], root, out, ctx.pace);
  const rest = out.take();
  if (rest.length > 0) yield rest;
}

/** The whole file as one string (tests, small runs). */
export async function renderOutputToString(source: OutputSource, options: RenderOptions = {}): Promise<string> {
  let text = '';
  for await (const chunk of renderOutput(source, options))
    text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('latin1');
  return text;
}

/** Work done since the last pause; pauses once there was enough. */
class Pace {
  private work = 0;
  constructor(private readonly pauseFn: (() => Promise<void>) | undefined) {}

  /** Counts `units` of work; says whether to `await pause()` now. */
  due(units = 1): boolean {
    this.work += units;
    return this.work >= PAUSE_EVERY && this.pauseFn !== undefined;
  }

  pause(): Promise<void> {
    this.work = 0;
    return this.pauseFn?.() ?? Promise.resolve();
  }
}

/** Keys (entries, channels, devices) handled between pauses: some milliseconds of work. */
const PAUSE_EVERY = 20_000;

interface Context {
  readonly warn: (w: RenderWarning) => void;
  readonly pace: Pace;
}

class ChunkBuffer {
  text = '';
  constructor(
    readonly limit: number,
    private started = false,
  ) {}
  get full(): boolean {
    return this.text.length >= this.limit;
  }
  take(): string {
    const chunk = this.text;
    this.text = '';
    return chunk;
  }
  /** A blank line before every header but the first. */
  header(path: readonly string[]): void {
    this.headerText(tomlHeader(path));
  }
  /** A header already written as TOML (`device.scope.data.trace`). */
  headerText(header: string): void {
    this.text += `${(this.started ? '\n[' : '[') + header}]\n`;
    this.started = true;
  }
}

/** Writes a value after `key = ` into the buffer, yielding chunks as it fills. */
type ValueStream = (out: ChunkBuffer) => AsyncGenerator<OutputChunk>;

/** Writes a whole sub-table (its headers too) at `path`: a device's channels, without a node per channel. */
type TableStream = (path: readonly string[], out: ChunkBuffer, pace: Pace) => AsyncGenerator<OutputChunk>;

type Entry =
  | { readonly kind: 'value'; readonly text: string }
  | { readonly kind: 'stream'; readonly write: ValueStream }
  | { readonly kind: 'table'; readonly table: TableNode }
  | { readonly kind: 'table-stream'; readonly write: TableStream };

type TableEntry = Extract<Entry, { kind: 'table' | 'table-stream' }>;

type TableNode = Map<string, Entry>;

function tableNode(): TableNode {
  return new Map();
}

function addTable(parent: TableNode, key: string, table: TableNode): void {
  parent.set(key, { kind: 'table', table });
}

async function* writeTable(path: readonly string[], node: TableNode, out: ChunkBuffer, pace: Pace): AsyncGenerator<OutputChunk> {
  // Split in one pass, then sorted apart (the same order as sorting first): a lookup per key and
  // per list cost seconds with a config of millions of keys.
  const plain: string[] = [];
  const tables: string[] = [];
  for (const [key, entry] of node) (entry.kind === 'table' || entry.kind === 'table-stream' ? tables : plain).push(key);
  sortKeys(plain);
  sortKeys(tables);
  if (pace.due(node.size)) await pace.pause();
  if (path.length > 0 && (plain.length > 0 || tables.length === 0)) out.header(path);
  for (const key of plain) {
    const entry = node.get(key) as Exclude<Entry, TableEntry>;
    out.text += `${tomlKey(key)} = `;
    if (entry.kind === 'value') out.text += `${entry.text}\n`;
    else yield* entry.write(out);
    if (out.full) yield out.take();
    if (pace.due()) await pace.pause();
  }
  for (const key of tables) {
    const entry = node.get(key) as TableEntry;
    if (entry.kind === 'table') yield* writeTable([...path, key], entry.table, out, pace);
    else yield* entry.write([...path, key], out, pace);
  }
}

/**
 * A JSON object as a table node: nested objects → sub-tables, nulls and keys already in `node`
 * left out. `marks`: the whole numbers in `object` that the client wrote as floats.
 */
async function jsonNode(
  table: string,
  object: JsonObject,
  marks: FloatMarks | undefined,
  ctx: Context,
  node = tableNode(),
): Promise<TableNode> {
  for (const key of Object.keys(object)) {
    const value = object[key] as JsonValue;
    if (value === null) continue;
    if (node.has(key)) {
      ctx.warn({
        code: 'reserved-key',
        table,
        key,
        message: `${table}: key '${key}' is rex's own; the user value is left out of the TOML`,
      });
      continue;
    }
    const childTable = `${table}.${key}`;
    const childMarksHere = childMarks(marks, key);
    if (typeof value === 'object' && !Array.isArray(value)) {
      node.set(key, { kind: 'table', table: await jsonNode(childTable, value, childMarksHere, ctx) });
    } else {
      const text = tomlInlineValue(value, (w) => ctx.warn({ ...w, table, key, message: `${childTable}: ${w.message}` }), childMarksHere);
      if (text !== undefined) node.set(key, { kind: 'value', text });
    }
    if (ctx.pace.due()) await ctx.pace.pause();
  }
  return node;
}

async function deviceNode(device: OutputDevice, floats: FloatRunFormatter, ctx: Context): Promise<TableNode> {
  const node = tableNode();
  node.set('device_name', { kind: 'value', text: tomlString(device.name) });
  // The channels, sorted once, are written by two streams (`data`, `timestamps`) with nothing
  // built per channel: a line of 100,000 channels made a table, a header and generators for each.
  // Sorted as they are (a map of 100,000 names to sort them by cost more than the sort): of a
  // name given twice the last counts. Only if a table is written: kept tables need no channel.
  let sorted: OutputChannel[] | undefined;
  const channels = async (pace: Pace): Promise<OutputChannel[]> => {
    if (sorted !== undefined) return sorted;
    const all = sortByKey([...device.channels], (channel) => channel.name);
    sorted = all.filter((channel, i) => i + 1 === all.length || all[i + 1]!.name !== channel.name);
    if (pace.due(sorted.length)) await pace.pause();
    return sorted;
  };
  const { sections } = device;
  node.set('data', {
    kind: 'table-stream',
    write: (path, out, pace) =>
      keptSection(sections, 'data', out, async function* (into) {
        yield* writeChannelData(path, await channels(pace), into, pace, floats);
      }),
  });
  node.set('timestamps', {
    kind: 'table-stream',
    write: (path, out, pace) =>
      keptSection(sections, 'timestamps', out, async function* (into) {
        yield* writeChannelStamps(path, await channels(pace), into, pace);
      }),
  });
  // Config last: rex's keys are already in place, so colliding user keys are reported (nulls are not).
  return jsonNode(`device.${device.name}`, device.config, floatMarks(device.configFloats), ctx, node);
}

/**
 * A device's table written by `write`, or from `sections` when they hold it; with `sections` the
 * table is written whole first and kept there (for a later render of the same device: the file-writer
 * renders a device of 100,000 channels while it waits for the end of the run, see output-writer.ts).
 */
async function* keptSection(
  sections: RenderedSections | undefined,
  key: keyof RenderedSections,
  out: ChunkBuffer,
  write: (into: ChunkBuffer) => AsyncGenerator<OutputChunk>,
): AsyncGenerator<OutputChunk> {
  if (sections === undefined) {
    yield* write(out);
    return;
  }
  let chunks = sections[key];
  if (chunks === undefined) {
    // Headers inside a device's tables always follow the device's own.
    const into = new ChunkBuffer(out.limit, true);
    const written: OutputChunk[] = [];
    for await (const chunk of write(into)) written.push(flat(chunk));
    written.push(flat(into.take()));
    chunks = sections[key] = written;
  }
  for (const chunk of chunks) {
    if (typeof chunk === 'string') {
      out.text += chunk;
      if (out.full) yield out.take();
    } else {
      if (out.text.length > 0) yield out.take();
      yield chunk;
    }
  }
}

/**
 * A chunk to keep: text as ASCII bytes when it is ASCII, else one flat string. A chunk of text is
 * built of many small strings, which kept (100,000 channels: a million of them) the garbage
 * collector copied again and again; bytes are off its heap.
 */
function flat(chunk: OutputChunk): OutputChunk {
  if (typeof chunk !== 'string' || chunk.length === 0) return chunk;
  // As many UTF-8 bytes as characters: all ASCII.
  if (Buffer.byteLength(chunk, 'utf8') === chunk.length) return Buffer.from(chunk, 'latin1');
  chunk.charCodeAt(0);
  return chunk;
}

/** `[<path>.<channel>]` with `data` and `unit`, for each channel (sorted); a bare `[<path>]` when there is none. */
async function* writeChannelData(
  path: readonly string[],
  channels: readonly OutputChannel[],
  out: ChunkBuffer,
  pace: Pace,
  floats: FloatRunFormatter,
): AsyncGenerator<OutputChunk> {
  if (channels.length === 0) out.header(path);
  const prefix = `${tomlHeader(path)}.`;
  for (const channel of channels) {
    out.headerText(prefix + tomlHeaderKey(channel.name));
    out.text += 'data = ';
    const values = channel.shape === 'multi' ? undefined : channel.valuesNow?.();
    if (values !== undefined && values.length <= INLINE_VALUES) writeInlineArray(values, tomlFloat, out);
    else yield* channelDataStream(channel, floats)(out);
    out.text += `unit = ${tomlString(channel.unit)}\n`;
    if (out.full) yield out.take();
    if (pace.due(2)) await pace.pause();
  }
}

/** `[<path>]` with `<channel> = [timestamps]` for each channel (sorted). */
async function* writeChannelStamps(
  path: readonly string[],
  channels: readonly OutputChannel[],
  out: ChunkBuffer,
  pace: Pace,
): AsyncGenerator<OutputChunk> {
  out.header(path);
  for (const channel of channels) {
    out.text += `${tomlKey(channel.name)} = `;
    const stamps = channel.timestampsNow?.();
    if (stamps !== undefined && stamps.length <= RUN) writeInlineArray(stamps, tomlString, out);
    else yield* writeStrings(channel.timestamps(), out);
    if (out.full) yield out.take();
    if (pace.due()) await pace.pause();
  }
}

async function resultNode(result: ResultMessage, ctx: Context): Promise<TableNode> {
  const node = tableNode();
  node.set('result_description', { kind: 'value', text: tomlString(result.result_description) });
  node.set('result_status', { kind: 'value', text: result.result_status ? 'true' : 'false' });
  const numbers = [
    ['result_value', result.result_value],
    ['result_lower_bound', result.result_lower_bound],
    ['result_upper_bound', result.result_upper_bound],
  ] as const;
  for (const [key, value] of numbers) {
    if (value !== undefined) node.set(key, { kind: 'value', text: tomlFloat(value) });
  }
  const table = `results.${result.result_name}`;
  const meta = result.result_meta ?? {};
  for (const key of resultMetaCollisions(meta)) {
    ctx.warn({
      code: 'reserved-key',
      table,
      key,
      message: `${table}: result_meta key '${key}' names a result field; left out of the TOML`,
    });
  }
  const kept = Object.fromEntries(Object.entries(meta).filter(([k, v]) => v !== null && !RESULT_RESERVED_KEYS.has(k)));
  return jsonNode(table, kept, floatMarks(result.result_meta_floats), ctx, node);
}

async function sessionNode(session: OutputSession, ctx: Context): Promise<TableNode> {
  const node = tableNode();
  node.set('UUID', { kind: 'value', text: tomlString(session.uuid) });
  node.set('start_time', { kind: 'value', text: tomlString(session.start_time) });
  node.set('end_time', { kind: 'value', text: tomlString(session.end_time) });
  if (session.info !== undefined) addTable(node, 'info', await infoNode(session.info, ctx));
  if (session.run !== undefined) addTable(node, 'run', await jsonNode('session.run', session.run, undefined, ctx));
  return node;
}

async function infoNode(info: SessionInfo, ctx: Context): Promise<TableNode> {
  const node = tableNode();
  node.set('name', { kind: 'value', text: tomlString(info.name) });
  node.set('email', { kind: 'value', text: tomlString(info.email) });
  node.set('session_name', { kind: 'value', text: tomlString(info.session_name) });
  node.set('session_description', { kind: 'value', text: tomlString(info.session_description) });
  if (info.meta !== undefined) {
    addTable(node, 'meta', await jsonNode('session.info.meta', info.meta, floatMarks(info.meta_floats), ctx));
  }
  return node;
}

function channelDataStream(channel: OutputChannel, floats: FloatRunFormatter): ValueStream {
  return channel.shape === 'multi' ? (out) => writeRows(channel.rows(), out, floats) : (out) => writeValues(channel.values(), out, floats);
}

// The hot loops. One value per line for single channels (as the original), one row per line
// for multi channels (the original's one-element-per-line nesting costs ~30% more bytes).
// Values are formatted in runs, each written as bytes at once: appending them one by one to a
// string built a deep rope that cost more than the formatting.

/** Values are formatted in runs of this many (a 10k-point trace row is one run). */
const RUN = 16384;
/** Runs being formatted ahead of the one being written (some of them on another thread). */
const RUNS_AHEAD = 4;

/**
 * Formatted runs shorter than this join the text: a run of 100,000 one-value channels made two
 * chunks per channel, and the writer's cost per chunk outweighed the bytes.
 */
const OWN_CHUNK_BYTES = 4096;

function latin1(bytes: Uint8Array): string {
  return String.fromCharCode.apply(null, bytes as unknown as number[]);
}

/** Formatted runs waiting to be written in order, each between its own fixed texts. */
class RunQueue {
  private readonly runs: Array<{ before: string; bytes: Uint8Array | Promise<Uint8Array> | null; after: string }> = [];

  constructor(
    private readonly out: ChunkBuffer,
    private readonly floats: FloatRunFormatter,
  ) {}

  add(before: string, values: Float64Array, separator: string, after = ''): void {
    this.runs.push({ before, bytes: values.length === 0 ? null : this.floats(values, separator), after });
  }

  /** Writes what is ready (or everything with `all`), yielding full chunks. */
  async *drain(all = false): AsyncGenerator<OutputChunk> {
    while (this.runs.length > (all ? 0 : RUNS_AHEAD)) {
      const run = this.runs.shift()!;
      this.out.text += run.before;
      const bytes = await run.bytes;
      if (bytes !== null && bytes.length >= OWN_CHUNK_BYTES) {
        if (this.out.text.length > 0) yield this.out.take();
        yield bytes;
      } else if (bytes !== null) {
        this.out.text += latin1(bytes);
      }
      this.out.text += run.after;
      if (this.out.full) yield this.out.take();
    }
  }
}

async function* writeValues(chunks: AsyncIterable<Float64Array>, out: ChunkBuffer, floats: FloatRunFormatter): AsyncGenerator<OutputChunk> {
  let any = false;
  out.text += '[';
  const queue = new RunQueue(out, floats);
  for await (const values of chunks) {
    for (let start = 0; start < values.length; start += RUN) {
      queue.add('\n    ', values.subarray(start, start + RUN), ',\n    ', ',');
      yield* queue.drain();
    }
    if (values.length > 0) any = true;
  }
  yield* queue.drain(true);
  out.text += any ? '\n]\n' : ']\n';
}

async function* writeRows(rows: AsyncIterable<Float64Array>, out: ChunkBuffer, floats: FloatRunFormatter): AsyncGenerator<OutputChunk> {
  let any = false;
  out.text += '[';
  const queue = new RunQueue(out, floats);
  for await (const row of rows) {
    if (row.length === 0) queue.add('\n    [', row, ', ', '],');
    for (let start = 0; start < row.length; start += RUN) {
      const last = start + RUN >= row.length;
      queue.add(start === 0 ? '\n    [' : ', ', row.subarray(start, start + RUN), ', ', last ? '],' : '');
      yield* queue.drain();
    }
    any = true;
  }
  yield* queue.drain(true);
  out.text += any ? '\n]\n' : ']\n';
}

/**
 * Up to this many values in memory are written as text here (what `formatFloats` writes, value by
 * value): a buffer of bytes per one-value channel cost more than the formatting.
 */
const INLINE_VALUES = 32;

/** `items[start..end)` as array elements: each on its line, then `,`. */
function elementsText<T>(items: ArrayLike<T>, format: (item: T) => string, start = 0, end = items.length): string {
  let text = '';
  for (let i = start; i < end; i++) text += `\n    ${format(items[i]!)},`;
  return text;
}

/** {@link writeValues} or {@link writeStrings} of items at hand (at most one run), as text. */
function writeInlineArray<T>(items: ArrayLike<T>, format: (item: T) => string, out: ChunkBuffer): void {
  out.text += items.length > 0 ? `[${elementsText(items, format)}\n]\n` : '[]\n';
}

async function* writeStrings(chunks: AsyncIterable<readonly string[]>, out: ChunkBuffer): AsyncGenerator<string> {
  let any = false;
  out.text += '[';
  for await (const strings of chunks) {
    for (let start = 0; start < strings.length; start += RUN) {
      out.text += elementsText(strings, tomlString, start, Math.min(start + RUN, strings.length));
      if (out.full) yield out.take();
    }
    if (strings.length > 0) any = true;
  }
  out.text += any ? '\n]\n' : ']\n';
}
