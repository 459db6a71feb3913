/**
 * The lines of `-v 3` / `-v 4`: a summary of each accepted line (debug) and its raw text, cut
 * short (trace). Built by the store, which reads every accepted line anyway, off the ingest path.
 */
import type { MergeAccepted } from '../../protocol/merge.js';
import type { ResultMessage, SessionMessage } from '../../protocol/messages.js';
import { decodeSkeletonBody, isSkeletonBody } from '../../runtime/journal/line-body.js';

/** How much of a raw line `-v 4` shows. */
export const RAW_LINE_CHARS = 200;
/** How many channels a device line's summary names. */
const LISTED_CHANNELS = 8;

export function deviceLineSummary(merged: MergeAccepted): string {
  const fresh = merged.freshTable?.table;
  // A new device's table: each of its channels is new and holds its column's values. Its effects
  // would decide the whole table again (merge.ts), 100,000 channels for eight names.
  const listed = fresh
    ? Array.from({ length: Math.min(fresh.count, LISTED_CHANNELS) }, (_, i) =>
        channelSummary(fresh.name(i), fresh.unit(i), 0, fresh.length(i), 'values'),
      )
    : merged.effects
        .slice(0, LISTED_CHANNELS)
        .map(({ channel, unit, shape, before, after }) =>
          channelSummary(channel, unit, before?.count ?? 0, after.count, shape === 'multi' ? 'rows' : 'values'),
        );
  const more = (fresh ? fresh.count : merged.effects.length) - listed.length;
  return `device ${merged.device.name}: ${listed.join(', ')}${more > 0 ? `, and ${more} more channels` : ''}`;
}

function channelSummary(channel: string, unit: string, before: number, after: number, what: 'rows' | 'values'): string {
  return `${channel} [${unit}] +${after - before} (${after} ${what})`;
}

export function sessionLineSummary(message: SessionMessage): string {
  const { session_name, name, email } = message.info;
  return `session "${session_name}" by ${name} <${email}>`;
}

export function resultLineSummary(message: ResultMessage): string {
  const value = message.result_value !== undefined ? ` (value ${message.result_value})` : '';
  return `result ${message.result_name}: ${message.result_status ? 'pass' : 'fail'}${value}`;
}

/** A journaled line body as text, cut at RAW_LINE_CHARS, with its size. */
export function rawLine(body: Buffer): string {
  // A big device line is journaled as what the parser made of it: its text, less the bulk data.
  const big = isSkeletonBody(body);
  // A UTF-8 character is at most 4 bytes: this many bytes hold the characters shown.
  const text = big ? decodeSkeletonBody(body, { views: true }).text : body.subarray(0, RAW_LINE_CHARS * 4).toString('utf8');
  const shown = text.length > RAW_LINE_CHARS ? `${text.slice(0, RAW_LINE_CHARS)}…` : text;
  return `line (${body.length} bytes${big ? ', bulk data left out' : ''}): ${shown}`;
}
