/**
 * rex-daq's ranged GET_DATASTREAM_FULL (pure): one channel's newest row, points `from` to `to`,
 * for a browser chart zoomed in on a trace (docs/serve.md, `GET /datastream/full?device=…`).
 * On the wire, the command word, a space and a JSON object:
 * `GET_DATASTREAM_FULL {"device":"scope","channel":"trace","from":1000,"to":2000}`.
 * The original rex answers such a line `Invalid format`, as any line it does not know.
 */
import { isPlainObject, parseJsonText } from './json.js';

export const RANGE_COMMAND = 'GET_DATASTREAM_FULL';
const PREFIX = `${RANGE_COMMAND} `;
/** The argument is a few names and numbers: longer is refused unread. */
const MAX_ARGUMENT_CHARS = 4096;

export interface TraceRange {
  device: string;
  channel: string;
  /** The first point, from 0 (default 0). */
  from?: number | undefined;
  /** One past the last point (default: the row's length); beyond the row, the row's end. */
  to?: number | undefined;
}

/** The command line for `range`, without its newline. */
export function traceRangeLine(range: TraceRange): string {
  return PREFIX + JSON.stringify(range);
}

/** A line that starts as a ranged command; `parseTraceRangeLine` says whether the rest is one. */
export const isTraceRangeLine = (line: string): boolean => line.startsWith(PREFIX);

/** The range of a ranged command line, or the reason it is not one (a reply's text). */
export function parseTraceRangeLine(line: string): TraceRange | { reason: string } {
  const argument = line.slice(PREFIX.length);
  const bad = (why: string) => ({ reason: `${RANGE_COMMAND} with an argument: ${why}` });
  if (argument.length > MAX_ARGUMENT_CHARS) return bad(`longer than ${MAX_ARGUMENT_CHARS} characters`);
  const parsed = parseJsonText(argument);
  if (!parsed.ok || !isPlainObject(parsed.value)) return bad('expected a JSON object {"device", "channel", "from", "to"}');
  const { device, channel, from, to } = parsed.value as Record<string, unknown>;
  if (typeof device !== 'string' || device === '') return bad('"device" must be a device name');
  if (typeof channel !== 'string' || channel === '') return bad('"channel" must be a channel name');
  const index = (value: unknown) => value === undefined || (Number.isSafeInteger(value) && (value as number) >= 0);
  if (!index(from)) return bad('"from" must be a whole number ≥ 0');
  if (!index(to)) return bad('"to" must be a whole number ≥ 0');
  if (typeof from === 'number' && typeof to === 'number' && to <= from) return bad('"to" must be greater than "from"');
  return { device, channel, ...(typeof from === 'number' && { from }), ...(typeof to === 'number' && { to }) };
}
