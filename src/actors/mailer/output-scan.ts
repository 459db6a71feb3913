/**
 * A summary of an output TOML file, read as a stream of chunks in bounded memory: the mail of a
 * huge run must not load the run. Pure (no I/O): `push` the file's bytes, then `finish`.
 *
 * It relies on the layout rex's renderer writes (src/protocol/output/render.ts, pinned by
 * test/mailer/output-scan.test.ts): a `[header]` starts at column 0; a channel's `data = [`
 * array has one line per value (single) or per row (multi, the line starting `    [`) and ends
 * with a `]` line. Channels are counted, never stored; the small tables (`results`, `session`)
 * are kept as text up to a budget and parsed with a real TOML parser at the end.
 */
import { parse as parseToml } from 'smol-toml';

export interface ChannelSummary {
  name: string;
  unit: string;
  shape: 'single' | 'multi';
  /** Values (single) or rows (multi). */
  count: number;
}

export interface DeviceSummary {
  name: string;
  channels: ChannelSummary[];
}

export interface ResultSummary {
  name: string;
  description: string;
  passed: boolean;
  value?: number;
  lowerBound?: number;
  upperBound?: number;
}

export interface SessionSummary {
  uuid?: string;
  startTime?: string;
  endTime?: string;
  name?: string;
  email?: string;
  sessionName?: string;
  description?: string;
}

export interface RunSummary {
  /** `script-exit`, `kill-command`, `interrupted`, `validation-failed`, `fatal` (or `running`). */
  status?: string;
  exitCode?: number;
  exitSignal?: string;
  validationError?: string;
  script?: string;
  loop?: number;
  loops?: number;
}

export interface OutputSummary {
  session: SessionSummary;
  run: RunSummary;
  devices: DeviceSummary[];
  results: ResultSummary[];
  /** Tables left out because they were too large to read into memory (their header paths). */
  skipped: string[];
}

/** Bytes of `results` and `session` text kept for parsing, all together. */
export const KEPT_TEXT_BUDGET = 1 << 20;
/** Longest header line read; longer ones are not understood. */
const HEADER_MAX = 64 * 1024;
/** Longest `unit = ...` (or other plain) line read in a channel table. */
const SMALL_LINE_MAX = 4096;
/** Bytes kept of a line inside a data array: enough to see a row's `    [`. */
const ARRAY_LINE_HEAD = 8;

const NEWLINE = 0x0a;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

type Section =
  | { kind: 'ignored' }
  | { kind: 'channel'; channel: ChannelSummary }
  | { kind: 'kept'; header: string; lines: string[]; bytes: number; tooLarge: boolean };

export class OutputScanner {
  private readonly devices = new Map<string, DeviceSummary>();
  private readonly skipped: string[] = [];
  private keptText = '';
  private section: Section = { kind: 'ignored' };
  private inDataArray = false;
  /** The array's rows are written over several lines (the original's layout). */
  private rowsSpanLines = false;
  // The line being read: its first bytes (up to `limit`) and its full length.
  private head: Uint8Array[] = [];
  private headBytes = 0;
  private lineLength = 0;
  private limit = 0;
  private finished = false;

  /** The next bytes of the file (any chunking). */
  push(chunk: Uint8Array): void {
    let position = 0;
    while (position < chunk.length) {
      const newline = chunk.indexOf(NEWLINE, position);
      if (this.lineLength === 0 && newline !== -1) {
        // The hot paths (one line per value or timestamp): a whole line, nothing copied.
        const length = newline - position;
        if (this.inDataArray) {
          this.arrayLine(length, chunk[position], length > 4 ? chunk[position + 4] : undefined);
          position = newline + 1;
          continue;
        }
        if (this.section.kind === 'ignored' && chunk[position] !== OPEN_BRACKET) {
          position = newline + 1;
          continue;
        }
      }
      const end = newline === -1 ? chunk.length : newline;
      this.take(chunk.subarray(position, end));
      if (newline === -1) return;
      this.endLine();
      position = newline + 1;
    }
  }

  /** The summary; call once, after the last chunk. */
  finish(): OutputSummary {
    if (this.finished) throw new Error('OutputScanner.finish called twice');
    this.finished = true;
    if (this.lineLength > 0) this.endLine();
    this.closeSection();
    const summary: OutputSummary = { session: {}, run: {}, devices: [...this.devices.values()], results: [], skipped: this.skipped };
    readSmallTables(this.keptText, summary);
    return summary;
  }

  private take(segment: Uint8Array): void {
    if (segment.length === 0) return;
    if (this.lineLength === 0) this.limit = this.limitFor(segment[0]!);
    this.lineLength += segment.length;
    const room = this.limit - this.headBytes;
    if (room <= 0) return;
    // Copied: the caller may reuse its chunk buffer (and Buffer#slice would not copy).
    const part = new Uint8Array(segment.subarray(0, room));
    this.head.push(part);
    this.headBytes += part.length;
  }

  /** How much of a line starting with `first` is worth keeping. */
  private limitFor(first: number): number {
    if (this.inDataArray) return ARRAY_LINE_HEAD;
    if (first === OPEN_BRACKET) return HEADER_MAX;
    if (this.section.kind === 'kept') return Math.max(0, KEPT_TEXT_BUDGET - this.keptText.length - this.section.bytes) + 1;
    if (this.section.kind === 'channel') return SMALL_LINE_MAX;
    return 0;
  }

  private endLine(): void {
    const length = this.lineLength;
    const bytes = this.head.length === 1 ? this.head[0]! : Buffer.concat(this.head);
    const complete = bytes.length === length;
    this.head = [];
    this.headBytes = 0;
    this.lineLength = 0;

    if (this.inDataArray) {
      this.arrayLine(length, bytes[0], bytes[4]);
      return;
    }
    if (length > 0 && bytes[0] === OPEN_BRACKET) {
      this.closeSection();
      this.openSection(complete ? Buffer.from(bytes).toString('utf8') : null);
      return;
    }
    const section = this.section;
    if (section.kind === 'channel') {
      if (!complete) return;
      const text = Buffer.from(bytes).toString('utf8');
      if (text.startsWith('data = [')) {
        this.inDataArray = !text.endsWith(']');
        this.rowsSpanLines = false;
      } else if (text.startsWith('unit = ')) section.channel.unit = stringValue(text) ?? section.channel.unit;
    } else if (section.kind === 'kept' && !section.tooLarge) {
      if (!complete || this.keptText.length + section.bytes + length > KEPT_TEXT_BUDGET) {
        section.tooLarge = true;
        section.lines = [];
        return;
      }
      section.lines.push(Buffer.from(bytes).toString('utf8'));
      section.bytes += length + 1;
    }
  }

  /** A line inside a channel's `data = [` array: the closing `]`, or one value or row. */
  private arrayLine(length: number, first: number | undefined, fifth: number | undefined): void {
    if (this.section.kind !== 'channel') return;
    if (length === 1 && first === CLOSE_BRACKET) {
      this.inDataArray = false;
      return;
    }
    const channel = this.section.channel;
    const opensRow = fifth === OPEN_BRACKET;
    if (channel.count === 0 && opensRow) {
      channel.shape = 'multi';
      // The original wrote a row's `[` alone on its line, then one element per line.
      this.rowsSpanLines = length === 5;
    }
    if (!this.rowsSpanLines || (opensRow && length === 5)) channel.count++;
  }

  private openSection(headerLine: string | null): void {
    const path = headerLine === null ? null : headerPath(headerLine);
    if (path === null) {
      this.section = { kind: 'ignored' };
      return;
    }
    const [root, name, sub, channelName] = path;
    if (root === 'device' && name !== undefined) {
      let device = this.devices.get(name);
      if (!device) {
        device = { name, channels: [] };
        this.devices.set(name, device);
      }
      if (sub === 'data' && channelName !== undefined && path.length === 4) {
        const channel: ChannelSummary = { name: channelName, unit: '', shape: 'single', count: 0 };
        device.channels.push(channel);
        this.section = { kind: 'channel', channel };
        return;
      }
      this.section = { kind: 'ignored' };
      return;
    }
    if (root === 'results' || root === 'session') {
      this.section = { kind: 'kept', header: headerLine!, lines: [headerLine!], bytes: headerLine!.length + 1, tooLarge: false };
      return;
    }
    this.section = { kind: 'ignored' };
  }

  private closeSection(): void {
    const section = this.section;
    if (section.kind !== 'kept') return;
    if (section.tooLarge) this.skipped.push(section.header.slice(1, -1));
    else this.keptText += `${section.lines.join('\n')}\n`;
    this.section = { kind: 'ignored' };
  }
}

/** `[device.scope.data."trace (V)"]` → `['device', 'scope', 'data', 'trace (V)']`, or null. */
function headerPath(line: string): string[] | null {
  let table: unknown;
  try {
    table = parseToml(line);
  } catch {
    return null;
  }
  const path: string[] = [];
  while (isTable(table)) {
    const keys = Object.keys(table);
    if (keys.length !== 1) break;
    path.push(keys[0]!);
    table = table[keys[0]!];
  }
  return path.length > 0 ? path : null;
}

function stringValue(line: string): string | undefined {
  try {
    const value = parseToml(line);
    const only = Object.values(value)[0];
    return typeof only === 'string' ? only : undefined;
  } catch {
    return undefined;
  }
}

function readSmallTables(text: string, summary: OutputSummary): void {
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text);
  } catch {
    summary.skipped.push('results', 'session');
    return;
  }
  const results = isTable(doc.results) ? doc.results : {};
  for (const [name, table] of Object.entries(results)) {
    if (!isTable(table)) continue;
    summary.results.push({
      name,
      description: str(table.result_description) ?? '',
      passed: table.result_status === true,
      ...optional('value', num(table.result_value)),
      ...optional('lowerBound', num(table.result_lower_bound)),
      ...optional('upperBound', num(table.result_upper_bound)),
    });
  }
  const session = isTable(doc.session) ? doc.session : {};
  const info = isTable(session.info) ? session.info : {};
  const run = isTable(session.run) ? session.run : {};
  summary.session = {
    ...optional('uuid', str(session.UUID)),
    ...optional('startTime', str(session.start_time)),
    ...optional('endTime', str(session.end_time)),
    ...optional('name', str(info.name)),
    ...optional('email', str(info.email)),
    ...optional('sessionName', str(info.session_name)),
    ...optional('description', str(info.session_description)),
  };
  summary.run = {
    ...optional('status', str(run.status)),
    ...optional('exitCode', num(run.exit_code)),
    ...optional('exitSignal', str(run.exit_signal)),
    ...optional('validationError', str(run.validation_error)),
    ...optional('script', str(run.script)),
    ...optional('loop', num(run.loop)),
    ...optional('loops', num(run.loops)),
  };
}

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function num(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  return undefined;
}

/** `{ [key]: value }` when there is a value, else nothing (exactOptionalPropertyTypes-friendly). */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
